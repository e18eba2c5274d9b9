"""Fades and dissolves: a large change spread over many small steps, each frame a blend.

For windows of several widths around each frame, the two window ends must differ like a cut
while no single step inside carries the change, and the middle frame must be a linear blend of
the two ends (small residual). That last test is what separates a dissolve from a fast pan,
whose middle frame is a shifted picture, not a mix. The same test runs again on coarse block
means (a 6x8 grid): moving content barely changes them, while the mean of a blend is exactly
the blend of the means, so dissolves between moving shots pass there. Windows that pass are
merged; the transition's span is where the blend weight leaves 0 and reaches 1. A fade-out,
black frames and a fade-in are one "fade"; a fade from black at the start (or to black at the
end) of the file is not a change of shot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelforge.media.shots.model import Transition
from reelforge.media.shots.signals import FrameSeries


@dataclass(frozen=True)
class GradualDetector:
    """Finds fades and dissolves; cuts found earlier inside one are absorbed into it."""

    half_widths: tuple[int, ...] = (2, 4, 8, 16)
    min_change: float = 14.0
    max_step_share: float = 0.6
    max_residual: float = 0.32
    min_peak_ratio: float = 1.5
    #: the same test on coarse block means, which moving content barely changes
    coarse_min_change: float = 12.0
    coarse_max_residual: float = 0.2
    coarse_half_widths: tuple[int, ...] = (4, 8, 16)
    name: str = "gradual"

    def __call__(self, series: FrameSeries, found: list[Transition]) -> list[Transition]:
        fades = _fades(series)
        in_fade = np.zeros(len(series.indices), dtype=bool)
        for lo, hi in fades:
            in_fade[lo:hi + 1] = True
        transitions = [self._fade(series, lo, hi) for lo, hi in fades]
        windows = self._blend_windows(series.vectors, series, self.min_change,
                                      self.max_residual, self.half_widths)
        if series.coarse is not None:
            windows += self._blend_windows(series.coarse, series, self.coarse_min_change,
                                           self.coarse_max_residual, self.coarse_half_widths)
        for lo, hi, change in _merge(windows):
            if in_fade[lo:hi + 1].any():
                continue
            t = self._dissolve(series, lo, hi, change)
            if t is not None:
                transitions.append(t)
        kept = [c for c in found
                if not any(t.start_frame <= c.cut_frame < t.end_frame + 1 for t in transitions)]
        return kept + transitions

    def _blend_windows(self, x: np.ndarray, series: FrameSeries, min_change: float,
                       max_residual: float,
                       half_widths: tuple[int, ...]) -> list[tuple[int, int, float]]:
        """(first row, last row, change) of every window of ``x`` rows that looks like part of
        a blend."""
        idx = series.indices
        step = np.zeros(len(idx), dtype=np.float32)
        step[1:] = np.mean(np.abs(np.diff(x, axis=0)), axis=1)
        n = len(idx)
        out: list[tuple[int, int, float]] = []
        for h in half_widths:
            a = np.searchsorted(idx, idx - h, side="left")
            b = np.searchsorted(idx, idx + h, side="right") - 1
            ok = (b - a) >= 2
            change = np.zeros(n, dtype=np.float32)
            change[ok] = np.mean(np.abs(x[b[ok]] - x[a[ok]]), axis=1)
            left = np.searchsorted(idx, idx - 2 * h - 1, side="left")
            right = np.minimum(np.searchsorted(idx, idx + 2 * h + 1, side="right") - 1, n - 1)
            neighbour = np.maximum(change[left], change[right])
            peak = ok & (change >= min_change) & (change >= self.min_peak_ratio * neighbour)
            cand = np.flatnonzero(peak)
            if len(cand) == 0:
                continue
            lo, hi = a[cand], b[cand]
            biggest = np.array([step[i + 1: k + 1].max() for i, k in zip(lo, hi, strict=True)])
            keep = biggest <= self.max_step_share * change[cand]
            lo, hi, cand = lo[keep], hi[keep], cand[keep]
            alpha, residual = _blend_fit_rows(x[lo], x[hi], x[(lo + hi) // 2])
            good = (residual <= max_residual) & (alpha >= 0.1) & (alpha <= 0.9)
            out.extend(zip(lo[good].tolist(), hi[good].tolist(), change[cand[good]].tolist(),
                           strict=True))
        return out

    def _dissolve(self, series: FrameSeries, lo: int, hi: int, change: float) -> Transition | None:
        """The span of a merged region: where the blend weight leaves 0 and reaches 1."""
        idx, x = series.indices, series.vectors
        alphas = np.array([_blend_fit(x[lo], x[hi], x[k])[0] for k in range(lo, hi + 1)])
        inside = np.flatnonzero((alphas > 0.08) & (alphas < 0.92))
        if len(inside) == 0:
            return None
        first, last = lo + int(inside[0]), lo + int(inside[-1])
        before, after = max(0, first - 2), min(len(idx) - 1, last + 2)
        if series.distance(before, after) < self.min_change:
            return None  # the picture came back (a flash, a passing object): no change of shot
        luma = series.luma_mean
        spike = float(luma[max(0, first - 1): first + 1].max())
        if spike - max(float(luma[max(0, first - 3)]), float(luma[after])) > 15.0:
            return None  # a bright frame fading back: a camera flash, not a dissolve
        start, end = int(idx[first]), int(idx[last]) + 1
        boundary = 0.0 if first == 0 or last == len(idx) - 1 else 1.0
        middle = int(idx[lo + int(np.argmax(alphas >= 0.5))])  # where the new shot dominates
        return Transition(kind="dissolve", cut_frame=min(max(middle, start), end - 1),
                          start_frame=start,
                          end_frame=end, scores={"change": change, "boundary": boundary})

    def _fade(self, series: FrameSeries, lo: int, hi: int) -> Transition:
        idx = series.indices
        start, end = int(idx[lo]), int(idx[hi]) + 1
        at_start = bool(series.black[: lo + 1].all())
        at_end = bool(series.black[hi:].all())
        if at_start:
            start = 0
        luma = series.luma_mean
        change = float(luma[max(0, lo - 1)] + luma[min(hi + 1, len(idx) - 1)])
        return Transition(kind="fade", cut_frame=(start + end) // 2, start_frame=start,
                          end_frame=end, scores={"change": change,
                                                 "boundary": 0.0 if at_start or at_end else 1.0})


def _fades(series: FrameSeries) -> list[tuple[int, int]]:
    """Row spans (first, last) of fades: darkening into black rows, then brightening out."""
    black, luma = series.black, series.luma_mean
    n = len(black)
    spans: list[tuple[int, int]] = []
    j = 0
    while j < n:
        if not black[j]:
            j += 1
            continue
        k = j
        while k + 1 < n and black[k + 1]:
            k += 1
        lo, hi = j, k
        while lo > 0 and _fading(luma[lo - 1], luma[lo]) and not _is_jump(series, lo):
            lo -= 1
        while hi + 1 < n and _fading(luma[hi + 1], luma[hi]) and not _is_jump(series, hi + 1):
            hi += 1
        if (j - lo) + (hi - k) >= 2:
            spans.append((lo, hi))
        j = k + 1
    return spans


def _fading(brighter: float, darker: float) -> bool:
    """One step of a fade: brightness changes by a real share of itself, not by noise."""
    return bool(brighter - darker > max(0.8, 0.015 * brighter))


def _is_jump(series: FrameSeries, row: int) -> bool:
    """A step much larger than a fade step: a hard cut into or out of the black."""
    return bool(series.step[row] > 0.6 * max(float(series.luma_mean[row]),
                                             float(series.luma_mean[row - 1]), 1.0) + 20)


def _blend_fit_rows(a: np.ndarray, b: np.ndarray,
                    m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_blend_fit`` for many (a, b, m) rows at once."""
    d = b - a
    norm = np.maximum(np.einsum("ij,ij->i", d, d), 1e-6)
    alpha = np.einsum("ij,ij->i", m - a, d) / norm
    resid = m - a - alpha[:, None] * d
    return alpha, np.sqrt(np.einsum("ij,ij->i", resid, resid) / norm)


def _blend_fit(a: np.ndarray, b: np.ndarray, m: np.ndarray) -> tuple[float, float]:
    """Weight α with m ≈ (1-α)·a + α·b, and the residual relative to |b - a| (L2)."""
    d = b - a
    norm = float(np.dot(d, d))
    if norm <= 1e-6:
        return 0.0, 1.0
    alpha = float(np.dot(m - a, d)) / norm
    resid = m - a - alpha * d
    return alpha, float(np.sqrt(np.dot(resid, resid) / norm))


def _merge(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Union of overlapping row windows, keeping the largest change seen in each."""
    merged: list[tuple[int, int, float]] = []
    for lo, hi, change in sorted(spans):
        if merged and lo <= merged[-1][1]:
            plo, phi, pc = merged[-1]
            merged[-1] = (plo, max(phi, hi), max(pc, change))
        else:
            merged.append((lo, hi, change))
    return merged
