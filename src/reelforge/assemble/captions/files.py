"""Caption files: ASS for libass to burn, SRT and WebVTT for players and platforms, and
words.json (every word with its start, end and scene) for editors and other tools."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reelforge.assemble.captions.layout import Lettering, Page
from reelforge.assemble.captions.styles import OUTLINE, WHITE, Event
from reelforge.domain import Cue, Word


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _clock(seconds: float, separator: str) -> str:
    ms = round(max(0.0, seconds) * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _ass_clock(seconds: float) -> str:
    cs = round(max(0.0, seconds) * 100)
    h, cs = divmod(cs, 360_000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def page_cues(pages: Sequence[Page]) -> list[Cue]:
    """Pages as cues for SRT/VTT: the page's lines joined by newlines."""
    return [Cue(text="\n".join(" ".join(w.text for w in line) for line in page.lines),
                start_s=round(page.start_s, 3), end_s=round(page.end_s, 3)) for page in pages]


def write_srt(cues: Sequence[Cue], path: Path) -> None:
    blocks = [f"{i}\n{_clock(c.start_s, ',')} --> {_clock(c.end_s, ',')}\n{c.text}\n"
              for i, c in enumerate(cues, start=1)]
    write_atomic(path, "\n".join(blocks))


def write_vtt(cues: Sequence[Cue], path: Path) -> None:
    blocks = [f"{_clock(c.start_s, '.')} --> {_clock(c.end_s, '.')}\n{c.text}\n" for c in cues]
    write_atomic(path, "WEBVTT\n\n" + "\n".join(blocks))


def parse_srt(text: str) -> list[Cue]:
    """Read an SRT back (tests, and re-runs that edit captions)."""

    def seconds(stamp: str) -> float:
        hms, ms = stamp.strip().split(",")
        h, m, s = (int(x) for x in hms.split(":"))
        return h * 3600 + m * 60 + s + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) >= 3 and "-->" in lines[1]:
            start, end = lines[1].split("-->")
            cues.append(Cue(text="\n".join(lines[2:]), start_s=seconds(start), end_s=seconds(end)))
    return cues


def write_words(words: Sequence[Word], path: Path, extra: dict[str, Any] | None = None) -> None:
    """``{"words": [{"text", "start", "end", "scene"}…], …extra}``."""
    document = {"words": [{"text": w.text, "start": round(w.start_s, 3), "end": round(w.end_s, 3),
                           "scene": w.scene_index} for w in words], **(extra or {})}
    write_atomic(path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def write_ass(events: Sequence[Event], path: Path, width: int, height: int, font_name: str,
              lettering: Lettering) -> None:
    """Styled for phones: white with a dark outline and soft shadow, readable on any picture;
    every event positions itself (``\\pos``), so margins here only matter to stray text."""
    size = lettering.ass_size
    outline = max(2, round(size * 0.09))
    header = (
        "[Script Info]\nScriptType: v4.00+\nWrapStyle: 2\nScaledBorderAndShadow: yes\n"
        f"PlayResX: {width}\nPlayResY: {height}\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
        "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
        "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font_name},{size},{WHITE},{WHITE},{OUTLINE},&H80000000,-1,0,0,0,"
        f"100,100,0,0,1,{outline},{max(1, outline // 2)},2,0,0,0,1\n\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    lines = [f"Dialogue: {e.layer},{_ass_clock(e.start_s)},{_ass_clock(e.end_s)},Default,,0,0,0,,"
             f"{e.text}" for e in events]
    write_atomic(path, header + "\n".join(lines) + "\n")
