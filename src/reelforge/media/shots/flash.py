"""A camera flash (or a glitched frame) is not a cut: the picture comes back within a moment.

A cut candidate whose frames, within ``max_frames``, return to what was shown just before it is
dropped, together with the return edge. When the frames in between are clearly brighter (a real
flash), motion meanwhile is allowed for: the return is measured against the ordinary step size
times the frames elapsed; otherwise the picture must come back to within half the jump.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelforge.media.shots.model import Transition
from reelforge.media.shots.signals import FrameSeries


@dataclass(frozen=True)
class FlashFilter:
    """Drops cuts whose picture returns to the previous one within ``max_frames``."""

    max_frames: int = 8
    name: str = "flash"

    def __call__(self, series: FrameSeries, found: list[Transition]) -> list[Transition]:
        cuts = sorted((t for t in found if t.kind == "cut"), key=lambda t: t.cut_frame)
        others = [t for t in found if t.kind != "cut"]
        dropped: set[int] = set()
        for cut in cuts:
            if cut.cut_frame in dropped:
                continue
            j = series.row_at(cut.cut_frame)
            if j < 1:
                continue
            before = j - 1
            jump = float(series.step[j])
            ordinary = float(np.median(series.step[max(1, j - 8):j])) if j > 1 else 0.0
            last = int(series.indices[before]) + self.max_frames + 1
            k = j + 1
            while k < len(series.indices) and series.indices[k] <= last:
                elapsed = int(series.indices[k] - series.indices[before])
                allowed = max(0.45 * jump, 4.0)
                if _brighter(series, before, j, k):  # a real flash: allow for motion meanwhile
                    allowed = max(allowed, min(ordinary * elapsed, 0.8 * jump))
                if series.distance(before, k) < allowed:
                    for t in cuts:
                        if cut.cut_frame <= t.cut_frame <= series.indices[k]:
                            dropped.add(t.cut_frame)
                    break
                k += 1
        return others + [t for t in cuts if t.cut_frame not in dropped]


def _brighter(series: FrameSeries, before: int, first: int, back: int) -> bool:
    """Whether rows first..back-1 are clearly brighter than the rows around them."""
    luma = series.luma_mean
    peak = float(luma[first:back].max())
    return peak - max(float(luma[before]), float(luma[back])) > 12.0
