"""Non-square pixels: the size a video is shown at, from its sample aspect ratio.

DV and broadcast files store 704×576 pictures meant to be shown at 16:9; players stretch them by
the sample aspect ratio (SAR). Decoding hands out the stored pixels, so anything that keeps a
picture (keyframes, thumbnails, crops) must stretch it by the SAR to look right.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image


def sample_aspect_ratio(path: str | Path) -> Fraction:
    """The SAR of the first video stream (1 when unknown or square)."""
    import av

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        if not container.streams.video:
            return Fraction(1)
        stream = container.streams.video[0]
        sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if not sar or sar.numerator <= 0 or sar.denominator <= 0:
        return Fraction(1)
    return Fraction(sar.numerator, sar.denominator)


def display_size(width: int, height: int, sar: Fraction, rotation: int = 0) -> tuple[int, int]:
    """(width, height) as displayed: stored (upright) size stretched by the SAR, which applies
    to the stored picture's width, before any display rotation."""
    if sar == 1:
        return width, height
    if (rotation // 90) % 2:  # upright height is the stored width
        return width, max(1, round(height * sar))
    return max(1, round(width * sar)), height


def to_display_aspect(rgb: np.ndarray, sar: Fraction, rotation: int = 0) -> np.ndarray:
    """An upright RGB picture stretched to its display aspect (a copy; unchanged when square)."""
    if sar == 1:
        return rgb
    h, w = rgb.shape[:2]
    dw, dh = display_size(w, h, sar, rotation)
    return np.asarray(Image.fromarray(rgb).resize((dw, dh), Image.Resampling.BILINEAR))
