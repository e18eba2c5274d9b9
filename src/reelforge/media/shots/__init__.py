"""Shot detection: decode tiny frames once, run small detectors over them, tile the file.

``detect_shots(path)`` is the entry point. The detectors are plug-ins over a ``FrameSeries``
(see ``model.Detector``): the content detector finds hard cuts, the flash filter removes camera
flashes, the gradual detector finds fades and dissolves and absorbs cuts inside them, and the
minimum shot length merges changes that come too close together. Cuts that fast decoding could
only place between two distant decoded frames are then decoded exactly (``refine``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reelforge.media.decode import DecodedVideo, decode_for_analysis
from reelforge.media.shots.assemble import MinShotLength, build_shots, is_boundary
from reelforge.media.shots.content import ContentDetector
from reelforge.media.shots.fill import fill_changed_gaps
from reelforge.media.shots.flash import FlashFilter
from reelforge.media.shots.gradual import GradualDetector
from reelforge.media.shots.model import Detector, Shot, Transition, timecode
from reelforge.media.shots.refine import refine_inexact_cuts
from reelforge.media.shots.signals import FrameSeries, frame_series

__all__ = [
    "ContentDetector", "Detector", "FlashFilter", "FrameSeries", "GradualDetector",
    "MinShotLength", "Shot", "ShotDetection", "Transition", "default_detectors",
    "detect_shots", "detect_shots_in", "timecode",
]


@dataclass(frozen=True)
class ShotDetection:
    """Shots plus every transition found (including fades at the file's very start or end)."""

    shots: list[Shot]
    transitions: list[Transition]
    video: DecodedVideo
    series: FrameSeries


def default_detectors(*, min_shot_s: float = 0.4, fps: float = 30.0) -> list[Detector]:
    """The detector chain `detect_shots` runs, in order."""
    return [ContentDetector(), FlashFilter(), GradualDetector(),
            MinShotLength(min_frames=max(1, round(min_shot_s * fps)))]


def detect_shots(
    path: str | Path,
    *,
    fast: bool = True,
    min_shot_s: float = 0.4,
    detectors: Sequence[Detector] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> list[Shot]:
    """The shots of the video at ``path``, in order, covering every frame."""
    return detect_shots_in(path, fast=fast, min_shot_s=min_shot_s, detectors=detectors,
                           on_progress=on_progress, sample_interval_s=0).shots


def detect_shots_in(
    path: str | Path,
    *,
    fast: bool = True,
    min_shot_s: float = 0.4,
    detectors: Sequence[Detector] | None = None,
    on_progress: Callable[[float], None] | None = None,
    sample_interval_s: float = 0.25,
    sample_long_side: int = 160,
) -> ShotDetection:
    """Like ``detect_shots`` but also returns the transitions and the decoded frames."""
    video = decode_for_analysis(path, fast=fast, on_progress=on_progress,
                                sample_interval_s=sample_interval_s,
                                sample_long_side=sample_long_side)
    return detect_in_video(video, min_shot_s=min_shot_s, detectors=detectors)


def detect_in_video(video: DecodedVideo, *, min_shot_s: float = 0.4,
                    detectors: Sequence[Detector] | None = None) -> ShotDetection:
    """Run the detector chain over frames already decoded (skimmed gaps whose ends differ are
    decoded in full first: ``fill``)."""
    video = fill_changed_gaps(video)
    series = frame_series(video.indices, video.times, video.tiny, video.total_frames)
    chain = detectors if detectors is not None else default_detectors(
        min_shot_s=min_shot_s, fps=video.info.fps or 30.0)
    found: list[Transition] = []
    for detector in chain:
        found = detector(series, found)
    found = sorted(refine_inexact_cuts(video, series, found), key=lambda t: t.cut_frame)
    shots = build_shots(series, video.frame_times, found)
    return ShotDetection(shots=shots, transitions=found, video=video, series=series)


def cut_frames(detection: ShotDetection) -> list[int]:
    """First frames of every shot after the first (what cut-accuracy benchmarks compare)."""
    return [t.cut_frame for t in detection.transitions if is_boundary(t)]
