"""The frame series every detector reads: tiny frames as vectors, and their step differences.

Computed once per file so detectors stay small and pure (arrays in, transitions out). The
distance between two frames is the mean absolute difference of their tiny Y, U and V planes on
the 0..255 scale, which is what PySceneDetect's content score measures in HSV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A frame this dark and this flat is black (part of a fade, not a picture).
BLACK_LUMA = 28.0
BLACK_SPREAD = 10.0
#: Block grid (rows, columns) of the coarse means: motion barely moves them, a dissolve does,
#: and the mean of a blend is exactly the blend of the means.
COARSE_GRID = (6, 8)
#: Rows per block when computing steps (bounds the temporaries, not the result).
STEP_ROWS = 4096


@dataclass(frozen=True)
class FrameSeries:
    """Decoded frames in display order: ``indices[j]`` is the display ordinal of row ``j``."""

    indices: np.ndarray  # (n,) int64
    times: np.ndarray  # (n,) float64
    vectors: np.ndarray  # (n, d) float32: flattened tiny Y, U, V
    luma_mean: np.ndarray  # (n,) float32
    luma_std: np.ndarray  # (n,) float32
    step: np.ndarray  # (n,) float32: distance to the previous row (0 for row 0)
    total_frames: int
    coarse: np.ndarray | None = None  # (n, k) float32: Y, U, V block means on a coarse grid

    @property
    def black(self) -> np.ndarray:
        """Rows that show a black (or nearly black, flat) picture."""
        return (self.luma_mean < BLACK_LUMA) & (self.luma_std < BLACK_SPREAD)

    def distance(self, a: int, b: int) -> float:
        """Mean absolute difference between rows ``a`` and ``b`` (0..255)."""
        return float(np.mean(np.abs(self.vectors[a] - self.vectors[b])))

    def row_at(self, frame: int) -> int:
        """The last row whose display index is <= ``frame`` (clamped to the series)."""
        row = int(np.searchsorted(self.indices, frame, side="right")) - 1
        return min(max(row, 0), len(self.indices) - 1)


def row_steps(vectors: np.ndarray) -> np.ndarray:
    """Mean absolute difference of each row to the one before (0 for row 0), in blocks: the
    whole-file temporaries were twice the size of the vectors."""
    n = len(vectors)
    step = np.zeros(n, dtype=np.float32)
    for lo in range(1, n, STEP_ROWS):
        hi = min(n, lo + STEP_ROWS)
        step[lo:hi] = np.mean(np.abs(vectors[lo:hi] - vectors[lo - 1:hi - 1]), axis=1)
    return step


def frame_series(indices: np.ndarray, times: np.ndarray, tiny: np.ndarray,
                 total_frames: int) -> FrameSeries:
    """Build the series from decoded tiny frames (n, 3, h, w) uint8."""
    n = tiny.shape[0]
    vectors = tiny.reshape(n, -1).astype(np.float32)
    luma = tiny[:, 0].reshape(n, -1).astype(np.float32)
    step = row_steps(vectors)
    _, _, h, w = tiny.shape
    by, bx = max(1, h // COARSE_GRID[0]), max(1, w // COARSE_GRID[1])
    gy, gx = h // by, w // bx
    blocks = tiny[:, :, : gy * by, : gx * bx].astype(np.float32)
    coarse = blocks.reshape(n, 3, gy, by, gx, bx).mean(axis=(3, 5)).reshape(n, -1)
    return FrameSeries(
        indices=np.asarray(indices, dtype=np.int64),
        times=np.asarray(times, dtype=np.float64),
        vectors=vectors,
        luma_mean=luma.mean(axis=1),
        luma_std=luma.std(axis=1),
        step=step,
        total_frames=int(total_frames),
        coarse=coarse,
    )
