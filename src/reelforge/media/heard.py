"""The words spoken in a video with their times: the one recipe that ``reelforge captions``
and ``reelforge clips`` (CLI and job) share."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelforge.domain import Word
from reelforge.media.speech import HeardWord

#: Longer recordings are heard in windows (``speech.heard_in_windows``): bounded memory.
WHOLE_UP_TO_S = 600.0


def heard_words(video: Path, ffmpeg: Path, duration_s: float | None = None) -> list[Word]:
    """The words spoken in ``video`` with their times (Whisper tiny.en, edges snapped to the
    pauses between words). A recording over ``WHOLE_UP_TO_S`` (``duration_s``, probed when not
    given) is heard two minutes at a time, so an hour of talk needs no more memory than ten
    minutes."""
    from reelforge.media.speech import heard_in_windows, read_speech, read_speech_part

    if duration_s is None:
        from reelforge.media.probe import probe_video

        duration_s = probe_video(video).duration_s or 0.0
    if duration_s <= WHOLE_UP_TO_S:
        heard = _snapped(read_speech(video, ffmpeg))
    else:
        heard = heard_in_windows(
            duration_s, lambda start, length: read_speech_part(video, start, length, ffmpeg),
            _snapped)
    return [Word(text=h.text, start_s=h.start_s, end_s=max(h.end_s, h.start_s)) for h in heard]


def _snapped(audio: np.ndarray) -> list[HeardWord]:
    """Heard words over voice only, their edges snapped into the pauses of ``audio``."""
    from reelforge.media.speech import (
        TimedSpan,
        recogniser,
        snap_boundaries,
        snap_to_voice,
        voiced_frames,
        voiced_only,
    )

    voiced = voiced_frames(audio)
    heard = voiced_only(recogniser().transcribe(audio), voiced)
    spans = snap_to_voice(snap_boundaries([TimedSpan(h.start_s, h.end_s) for h in heard],
                                          voiced), voiced)
    return [HeardWord(h.text, s.start_s, max(s.end_s, s.start_s))
            for h, s in zip(heard, spans, strict=True)]
