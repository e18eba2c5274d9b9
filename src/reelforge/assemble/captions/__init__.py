"""Word-timed captions: styles (``styles.py``) laid out inside the platforms' safe areas
(``layout.py``), written as ASS for libass and as SRT, WebVTT and words.json (``files.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelforge.assemble.captions.files import (
    page_cues,
    write_ass,
    write_srt,
    write_vtt,
    write_words,
)
from reelforge.assemble.captions.layout import safe_area
from reelforge.assemble.captions.styles import caption_events, style_lettering, style_pages
from reelforge.domain import CaptionStyle, Word

#: What ``write_captions`` writes (the ASS file is only for the render).
CAPTION_FILES = ("captions.srt", "captions.vtt", "words.json")


@dataclass(frozen=True)
class CaptionSet:
    """The files written for one video; ``ass`` is None when nothing is to be burned."""

    ass: Path | None
    srt: Path
    vtt: Path
    words: Path


def write_captions(words: list[Word], style: CaptionStyle, folder: Path, width: int,
                   height: int, font: Path, font_name: str, *, tags: bool = False,
                   extra: dict[str, Any] | None = None) -> CaptionSet:
    """Every caption file of a video into ``folder``; ``extra`` goes into words.json."""
    area = safe_area(width, height)
    cues = page_cues(style_pages(words, "classic", font, area))
    write_srt(cues, folder / "captions.srt")
    write_vtt(cues, folder / "captions.vtt")
    write_words(words, folder / "words.json", extra)
    ass: Path | None = None
    if style != "none":
        ass = folder / "captions.ass"
        write_ass(caption_events(words, style, area, font, tags=tags), ass, width, height,
                  font_name, style_lettering(style, font, area))
    return CaptionSet(ass=ass, srt=folder / "captions.srt", vtt=folder / "captions.vtt",
                      words=folder / "words.json")
