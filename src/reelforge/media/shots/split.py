"""Shot detection of long files: split at keyframes, one part per process, bounded memory.

One pass over the packets (no decoding) gives every frame's timestamp and the keyframes. The file
is cut into parts of about ``part_s`` seconds (2 minutes) at keyframes; each part is decoded and
run through the detector chain in a worker process, with ``margin_s`` of context on both sides so a
transition at a part's edge is seen whole, and keeps only the transitions that begin inside it.
The minimum shot length is applied once over the joined list. Memory is one part's tiny frames
per process instead of the whole file's: ~6 KB a frame as bytes and 24 KB as the float32 vectors
the detectors read (2 minutes at 30 fps ≈ 90 MB; a whole hour ≈ 2.6 GB), and N cores decode N
parts at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from reelforge.media.decode import DecodeSpan, decode_for_analysis
from reelforge.media.parallel import results_as_finished
from reelforge.media.probe import open_container, stream_info, video_stream
from reelforge.media.shots import default_detectors, detect_in_video
from reelforge.media.shots.assemble import MinShotLength, build_shots
from reelforge.media.shots.model import Shot, Transition
from reelforge.media.shots.signals import FrameSeries

#: Files shorter than this are detected in one piece (a split only adds seeks).
SPLIT_ABOVE_S = 600.0


@dataclass(frozen=True)
class FrameIndex:
    """Every frame's timestamp (sorted, display order) and the keyframes, from the packets."""

    all_pts: np.ndarray  # (frames,) int64
    keyframe_rows: np.ndarray  # display ordinals of keyframes, increasing
    time_base: float
    start_s: float
    fps: float

    @property
    def frame_times(self) -> np.ndarray:
        return self.all_pts.astype(np.float64) * self.time_base - self.start_s


@dataclass(frozen=True)
class SplitDetection:
    """The shots of a long file, with what the packet pass counted."""

    shots: list[Shot]
    total_frames: int
    fps: float
    parts: int


@dataclass(frozen=True)
class Part:
    """Frames ``[first, end)`` are this part's own; ``[decode_first, decode_last]`` is decoded."""

    path: str
    first: int
    end: int
    decode_first: int
    decode_last: int
    fast: bool
    min_shot_s: float


def frame_index(path: str | Path) -> FrameIndex:
    """Read every packet's timestamp and keyframe flag without decoding."""
    path = Path(path)
    with open_container(path) as container:
        stream = video_stream(container, path)
        info = stream_info(container, stream, path)
        tb = float(stream.time_base) if stream.time_base else 1.0 / 90000
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        pts: list[int] = []
        keys: list[int] = []
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            pts.append(packet.pts)
            if packet.is_keyframe:
                keys.append(packet.pts)
    all_pts = np.unique(np.asarray(pts, dtype=np.int64))
    rows = np.searchsorted(all_pts, np.unique(np.asarray(keys, dtype=np.int64)))
    return FrameIndex(all_pts=all_pts, keyframe_rows=rows.astype(np.int64), time_base=tb,
                      start_s=start, fps=info.fps or 30.0)


def plan_parts(index: FrameIndex, path: str | Path, *, part_s: float, margin_s: float,
               fast: bool = True, min_shot_s: float = 0.4) -> list[Part]:
    """Parts of about ``part_s`` seconds, each starting at a keyframe."""
    times = index.frame_times
    total = len(times)
    keys = [int(k) for k in index.keyframe_rows if 0 < k < total]
    starts = [0]
    for k in keys:
        if times[k] - times[starts[-1]] >= part_s and times[-1] - times[k] >= part_s / 4:
            starts.append(k)
    ends = [*starts[1:], total]
    parts = []
    for first, end in zip(starts, ends, strict=True):
        # decode from a keyframe a margin before the part (a seek lands on a keyframe anyway)
        before = float(times[first]) - margin_s
        decode_first = max((k for k in [0, *keys] if times[k] <= before), default=0)
        after = float(times[end - 1]) + margin_s
        decode_last = min(total - 1, int(np.searchsorted(times, after, side="right")))
        parts.append(Part(str(path), first, end, decode_first, decode_last, fast, min_shot_s))
    return parts


def detect_part(job: tuple[Part, np.ndarray]) -> list[Transition]:
    """The transitions beginning inside the part (worker side; module level for pickling)."""
    part, all_pts = job
    span = DecodeSpan(start_pts=int(all_pts[part.decode_first]),
                      stop_pts=int(all_pts[part.decode_last]), all_pts=all_pts)
    video = decode_for_analysis(part.path, fast=part.fast, sample_interval_s=0, span=span)
    chain = [d for d in default_detectors(min_shot_s=part.min_shot_s, fps=video.info.fps or 30.0)
             if not isinstance(d, MinShotLength)]  # applied once, over the whole file
    detection = detect_in_video(video, detectors=chain)
    return [t for t in detection.transitions if part.first <= t.cut_frame < part.end]


def detect_shots_split(
    path: str | Path,
    *,
    workers: int = 0,
    part_s: float = 120.0,
    margin_s: float = 3.0,
    fast: bool = True,
    min_shot_s: float = 0.4,
    progress: Callable[[int, int], None] | None = None,
) -> SplitDetection:
    """The shots of ``path`` (as ``detect_shots``), its parts detected in ``workers`` processes
    (0: one per usable core); ``progress(parts done, parts)``."""
    if workers <= 0:
        workers = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1)
    index = frame_index(path)
    parts = plan_parts(index, path, part_s=part_s, margin_s=margin_s, fast=fast,
                       min_shot_s=min_shot_s)
    found: list[Transition] = []
    jobs = [(part, index.all_pts) for part in parts]
    for done, (_, transitions) in enumerate(
            results_as_finished(detect_part, jobs, workers=workers), start=1):
        found.extend(transitions)
        if progress is not None:
            progress(done, len(parts))
    total = len(index.all_pts)
    whole = FrameSeries(indices=np.zeros(0, np.int64), times=np.zeros(0), vectors=np.zeros((0, 0),
                        np.float32), luma_mean=np.zeros(0, np.float32),
                        luma_std=np.zeros(0, np.float32), step=np.zeros(0, np.float32),
                        total_frames=total)
    min_frames = max(1, round(min_shot_s * index.fps))
    kept = MinShotLength(min_frames=min_frames)(whole, sorted(found, key=lambda t: t.cut_frame))
    shots = build_shots(whole, index.frame_times, sorted(kept, key=lambda t: t.cut_frame))
    return SplitDetection(shots=shots, total_frames=total, fps=index.fps, parts=len(parts))
