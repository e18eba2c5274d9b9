"""Hard cuts: a frame-to-frame change far above the change around it (adaptive threshold).

A cut is a step whose distance is at least ``min_change`` and ``ratio`` times the mean step of
a rolling window around it (per frame, scaled to the step's own frame gap when frames were
skipped). Steady motion (pans, handheld shake) raises the window's mean along
with the step, so it is not a cut; a cut is a lone spike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelforge.media.shots.model import Transition
from reelforge.media.shots.signals import FrameSeries, row_steps


@dataclass(frozen=True)
class ContentDetector:
    """Cuts from the tiny-frame YUV step distance against a rolling-window baseline."""

    min_change: float = 9.0
    ratio: float = 3.0
    window: int = 6
    min_luma_change: float = 9.0
    luma_ratio: float = 6.0
    name: str = "content"

    def __call__(self, series: FrameSeries, found: list[Transition]) -> list[Transition]:
        step = series.step
        n = len(step)
        if n < 2:
            return list(found)
        # neighbours' change per frame, scaled to this step's frame gap: with frames skipped
        # (fast decoding) a 4-frame step of a pan must not hide a 1-frame cut beside it
        gap = np.maximum(np.diff(series.indices, prepend=series.indices[0]), 1).astype(float)
        baseline = _window_mean_excluding_centre(step / gap, self.window) * gap
        luma = _luma_step(series)
        luma_baseline = _window_mean_excluding_centre(luma / gap, self.window) * gap
        cuts = list(found)
        for j in range(1, n):
            s = float(step[j])
            if s < min(self.min_change, self.min_luma_change / 3):
                continue
            if (j > 1 and step[j - 1] > s) or (j + 1 < n and step[j + 1] > s):
                continue  # not the peak of its neighbourhood
            ratio = s / max(float(baseline[j]), 1.0)
            by_colour = s >= self.min_change and ratio >= self.ratio
            by_luma = (luma[j] >= self.min_luma_change
                       and luma[j] / max(float(luma_baseline[j]), 1.0) >= self.luma_ratio)
            if not (by_colour or by_luma):
                continue
            frame = int(series.indices[j])
            cuts.append(Transition(
                kind="cut", cut_frame=frame, start_frame=frame, end_frame=frame + 1,
                scores={"content": s, "adaptive_ratio": ratio},
                exact=bool(series.indices[j] - series.indices[j - 1] == 1),
            ))
        return cuts


def _luma_step(series: FrameSeries) -> np.ndarray:
    """Distance to the previous row over the Y plane alone (the first third of each vector)."""
    return row_steps(series.vectors[:, : series.vectors.shape[1] // 3])


def _window_mean_excluding_centre(values: np.ndarray, half: int) -> np.ndarray:
    """Mean of values[j-half .. j+half] without values[j] (row 0 has no step and is skipped)."""
    v = values.astype(np.float64).copy()
    v[0] = np.nan
    padded = np.pad(v, half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).copy()
    windows[:, half] = np.nan
    with np.errstate(invalid="ignore"):
        out = np.nanmean(windows, axis=1)
    return np.nan_to_num(out, nan=0.0)
