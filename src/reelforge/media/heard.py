"""The words spoken in a video with their times: the one recipe that ``reelforge captions``
and ``reelforge clips`` (CLI and job) share."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Word


def heard_words(video: Path, ffmpeg: Path) -> list[Word]:
    """The words spoken in ``video`` with their times (Whisper tiny.en, edges snapped to the
    pauses between words)."""
    from reelforge.media.speech import (
        TimedSpan,
        read_speech,
        recogniser,
        snap_boundaries,
        snap_to_voice,
        voiced_frames,
        voiced_only,
    )

    audio = read_speech(video, ffmpeg)
    voiced = voiced_frames(audio)
    heard = voiced_only(recogniser().transcribe(audio), voiced)
    spans = snap_to_voice(snap_boundaries([TimedSpan(h.start_s, h.end_s) for h in heard],
                                          voiced), voiced)
    return [Word(text=h.text, start_s=s.start_s, end_s=max(s.end_s, s.start_s))
            for h, s in zip(heard, spans, strict=True)]
