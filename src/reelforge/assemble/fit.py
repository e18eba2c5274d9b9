"""Text that fits: lines wrapped, then shrunk, by the font's real metrics (Pillow's FreeType).

Titles (drawn by Pillow) and captions (drawn by libass) are both laid out here, so what is
measured is what is drawn. libass sizes a font so its Windows ascent + descent equal the
style's size; ``FontFace.libass_scale`` converts that to the em size Pillow measures with.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

Measure = Callable[[str], float]


@dataclass(frozen=True)
class Fitted:
    """Lines of text and the font size (pixels per em, Pillow's size) they fit at."""

    lines: list[str]
    size: int


@lru_cache(maxsize=64)
def pil_font(path: Path, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(path), size)
    if bold:
        with contextlib.suppress(OSError, ValueError):
            font.set_variation_by_name("Bold")
    return font


@lru_cache(maxsize=8)
def libass_scale(path: Path) -> float:
    """Pillow em size per libass font size: units per em / (usWinAscent + usWinDescent),
    read from the font's ``head`` and ``OS/2`` tables (1.0 when they cannot be read)."""
    try:
        data = Path(path).read_bytes()
        tables: dict[bytes, int] = {}
        for i in range(struct.unpack(">H", data[4:6])[0]):
            tag, _sum, offset, _length = struct.unpack(">4sIII", data[12 + 16 * i: 28 + 16 * i])
            tables[tag] = offset
        head, os2 = tables[b"head"], tables[b"OS/2"]
        units = struct.unpack(">H", data[head + 18: head + 20])[0]
        ascent, descent = struct.unpack(">HH", data[os2 + 74: os2 + 78])
        return units / (ascent + descent) if ascent + descent else 1.0
    except (OSError, KeyError, struct.error):
        return 1.0


def wrap(words: Sequence[str], measure: Measure, max_width: float,
         max_lines: int) -> list[str] | None:
    """``words`` in the fewest lines no wider than ``max_width`` (None if more than
    ``max_lines`` are needed), the lines as even as possible — the last one included, so no
    word is left stranded (minimum raggedness, by dynamic programming over the breaks)."""
    n = len(words)
    if n == 0:
        return []
    width = [[0.0] * (n + 1) for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n + 1):
            width[i][j] = measure(" ".join(words[i:j]))
    for count in range(1, max_lines + 1):
        # best[k][j]: least cost of putting words[:j] on k lines; how[k][j]: where line k starts
        inf = float("inf")
        best = [[inf] * (n + 1) for _ in range(count + 1)]
        how = [[0] * (n + 1) for _ in range(count + 1)]
        best[0][0] = 0.0
        for k in range(1, count + 1):
            for j in range(1, n + 1):
                for i in range(k - 1, j):
                    w = width[i][j]
                    if w > max_width or best[k - 1][i] == inf:
                        continue
                    cost = best[k - 1][i] + (max_width - w) ** 2
                    if cost < best[k][j]:
                        best[k][j], how[k][j] = cost, i
        if best[count][n] < inf:
            lines, j = [], n
            for k in range(count, 0, -1):
                i = how[k][j]
                lines.append(" ".join(words[i:j]))
                j = i
            return lines[::-1]
    return None


def fit_text(text: str, font: Path, max_width: float, max_lines: int, size: int,
             bold: bool = False) -> Fitted:
    """``text`` at the largest size ≤ ``size`` that wraps into ``max_lines`` lines of
    ``max_width``: wrap first, then shrink (by 4 % a step); fitting wins over size."""
    words = text.split()
    current = size
    while True:
        measured = pil_font(Path(font), current, bold)
        lines = wrap(words, measured.getlength, max_width, max_lines)
        if lines is not None or current <= 4:
            return Fitted(lines or words, current)
        current = max(4, min(current - 1, int(current * 0.96)))
