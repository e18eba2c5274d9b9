"""Captions for any video: its speech transcribed locally, word-timed captions burned in, and
SRT, WebVTT and words.json written beside it (``reelforge captions``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reelforge.domain import CAPTION_STYLES, CaptionStyle, Word
from reelforge.errors import InputError
from reelforge.settings import Settings

CAPTIONED_NAME = "captioned.mp4"


@dataclass(frozen=True)
class CaptionedVideo:
    video: Path
    words: list[Word]
    files: list[Path]


def caption_style(name: str) -> CaptionStyle:
    """A caption style by name, or one clear error listing them."""
    found = name.strip().lower()
    if found not in CAPTION_STYLES:
        raise InputError(f"unknown caption style {name!r}",
                         hint=f"use one of: {', '.join(CAPTION_STYLES)}")
    return found  # type: ignore[return-value]


def heard_words(video: Path, settings: Settings) -> list[Word]:
    """The words spoken in ``video`` with their times (``media.heard``)."""
    from reelforge.media.ffmpeg import find_ffmpeg
    from reelforge.media.heard import heard_words as heard

    return heard(video, find_ffmpeg(settings.ffmpeg_binary))


def caption_video(video: Path, out_dir: Path, style: CaptionStyle, settings: Settings,
                  on_progress: Callable[[float], None] | None = None) -> CaptionedVideo:
    """Transcribe ``video``, write its caption files into ``out_dir`` and, unless the style
    is ``none``, the video with the captions burned in (``captioned.mp4``)."""
    from reelforge.assemble.captions import write_captions
    from reelforge.assemble.fonts import font_family, font_file
    from reelforge.assemble.render import RenderOptions, burn_captions
    from reelforge.media.ffmpeg import find_ffmpeg
    from reelforge.media.probe import probe_video

    info = probe_video(video)
    if not info.has_audio:
        raise InputError(f"{video} has no sound to transcribe",
                         hint="give a video with a spoken audio track")
    out_dir.mkdir(parents=True, exist_ok=True)
    words = heard_words(video, settings)
    if not words:
        raise InputError(f"no speech was heard in {video}",
                         hint="captions need speech; check the audio track is not silent")
    font = font_file(settings.font_file)
    captions = write_captions(words, style, out_dir, info.width, info.height, font,
                              font_family(font), extra={"style": style, "source": str(video)})
    files = [captions.srt, captions.vtt, captions.words]
    target = out_dir / CAPTIONED_NAME
    if captions.ass is not None:
        options = RenderOptions(ffmpeg=find_ffmpeg(settings.ffmpeg_binary), font=font,
                                preset=settings.x264_preset, crf=settings.x264_crf)
        burn_captions(video, captions.ass, target, options, info.duration_s, on_progress)
        captions.ass.unlink()
        files.insert(0, target)
    return CaptionedVideo(video=target, words=words, files=files)
