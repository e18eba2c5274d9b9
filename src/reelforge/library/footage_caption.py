"""A vision model's sentence about each shot's keyframe, put first in the shot's description.

Only when a captioner is configured (``providers/vision.py``; the CLI and the index task pass it
in as a plain function, since this layer does not reach the providers). The keyframes are read
again at 512 pixels — the 160-pixel thumbnails are too small for a model to say what is in them —
in one decoding pass per video. A caption that fails leaves the shot described as it was, with a
warning: the paid call is recorded by the provider, the analysis is never lost.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from reelforge.errors import ReelforgeError
from reelforge.library.footage import FootageShot
from reelforge.library.footage_analyse import FileResult

#: JPEG pictures in, one sentence each out ("" for none), in order.
Caption = Callable[[Sequence[bytes]], list[str]]
#: The long side of the picture a model is shown (OpenAI's low detail is 512 × 512).
CAPTION_SIDE = 512


def captioned(result: FileResult, caption: Caption | None) -> FileResult:
    """``result`` with each shot's caption leading its description (and in ``extra``)."""
    if caption is None or result.problem or not result.shots:
        return result
    try:
        pictures = keyframe_pictures(result.shots)
        sentences = caption([_jpeg(p) for p in pictures])
    except ReelforgeError as exc:
        result.warnings.append(f"not captioned: {exc}")  # with what to do
        return result
    except Exception as exc:  # a keyframe that cannot be read again: the shots are still good
        result.warnings.append(f"not captioned ({type(exc).__name__}: {exc})")
        return result
    result.shots = [with_caption(shot, sentence)
                    for shot, sentence in zip(result.shots, sentences, strict=True)]
    return result


def with_caption(shot: FootageShot, sentence: str) -> FootageShot:
    """The shot described by the caption first (MiniLM weighs early words most)."""
    if not sentence:
        return shot
    sentence = sentence if sentence.endswith((".", "!", "?")) else sentence + "."
    return replace(shot, description=f"{sentence} {shot.description}",
                   extra={**shot.extra, "caption": sentence})


def keyframe_pictures(shots: Sequence[FootageShot]) -> list[np.ndarray]:
    """Each shot's keyframe at ``CAPTION_SIDE``: a picture decoded again, a video's keyframes
    read in one pass."""
    from reelforge.media.decode import read_pictures
    from reelforge.media.image_analysis import resized
    from reelforge.media.image_files import decode_image
    from reelforge.media.probe import probe_video

    source = Path(shots[0].source)
    if shots[0].kind == "picture":
        return [resized(decode_image(source).rgb, CAPTION_SIDE)]
    fps = probe_video(source).fps
    frames = [max(0, round(shot.keyframe_s * fps)) for shot in shots]
    found = read_pictures(source, frames, long_side=CAPTION_SIDE)
    last = max(found) if found else 0
    return [found.get(frame, found.get(min(frame, last), np.zeros((8, 8, 3), np.uint8)))
            for frame in frames]


def _jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(out, "JPEG", quality=85)
    return out.getvalue()
