"""From transitions to shots: enforce a minimum shot length, then tile the file with shots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelforge.media.shots.model import Shot, Transition, timecode
from reelforge.media.shots.signals import FrameSeries


@dataclass(frozen=True)
class MinShotLength:
    """Two changes closer than ``min_frames`` keep only the stronger (gradual ones win)."""

    min_frames: int = 12
    name: str = "min_length"

    def __call__(self, series: FrameSeries, found: list[Transition]) -> list[Transition]:
        kept: list[Transition] = []
        edges = [t for t in found if not is_boundary(t)]
        for t in sorted((t for t in found if is_boundary(t)), key=lambda t: t.cut_frame):
            if kept and t.start_frame - kept[-1].end_frame < self.min_frames:
                if _strength(t) > _strength(kept[-1]):
                    kept[-1] = t
                continue
            if t.start_frame < self.min_frames and t.kind == "cut":
                continue  # a "shot" shorter than the minimum at the very start
            if series.total_frames - t.cut_frame < self.min_frames and t.kind == "cut":
                continue  # ... or at the very end (a last frame that differs, e.g. encoder flush)
            kept.append(t)
        return edges + kept


def is_boundary(t: Transition) -> bool:
    """False for a fade in from black at the file's start or out to black at its end."""
    return t.scores.get("boundary", 1.0) > 0


def _strength(t: Transition) -> float:
    if t.kind != "cut":
        return 1e9 + t.length
    return t.scores.get("content", 0.0)


def build_shots(series: FrameSeries, frame_times: np.ndarray,
                transitions: list[Transition]) -> list[Shot]:
    """Consecutive shots covering every frame; each starts at a transition's ``cut_frame``."""
    total = series.total_frames
    bounds = [t for t in sorted(transitions, key=lambda t: t.cut_frame)
              if is_boundary(t) and 0 < t.cut_frame < total]
    lead_in = next((t for t in transitions if not is_boundary(t) and t.start_frame == 0), None)
    starts = [0] + [t.cut_frame for t in bounds]
    ends = [t.cut_frame for t in bounds] + [total]
    last_frame_s = _frame_end(frame_times)
    shots = []
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        how = bounds[i - 1] if i > 0 else lead_in
        start_s = float(frame_times[start])
        end_s = float(frame_times[end]) if end < total else last_frame_s
        shots.append(Shot(
            index=i,
            start_frame=start,
            end_frame=end,
            start_s=start_s,
            end_s=end_s,
            start_timecode=timecode(start_s),
            end_timecode=timecode(end_s),
            transition=how.kind if how is not None else "start",
            transition_start_frame=how.start_frame if how is not None else 0,
            transition_end_frame=how.end_frame if how is not None else 0,
            scores=({k: v for k, v in how.scores.items() if k != "boundary"}
                    if how is not None else {}),
        ))
    return shots


def _frame_end(frame_times: np.ndarray) -> float:
    """When the last frame stops showing: its time plus the typical frame interval."""
    if len(frame_times) < 2:
        return float(frame_times[-1]) + 1 / 30 if len(frame_times) else 0.0
    return float(frame_times[-1] + np.median(np.diff(frame_times)))
