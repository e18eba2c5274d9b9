"""Shot detection of a long file in one process, keeping only what per-shot analysis reads.

``detect_shots_in`` holds the whole file's tiny frames, their float32 vectors and an RGB sample
every 0.25 s: for 30 minutes of 30 fps that is ~0.3 GB of frames, ~1.3 GB of vectors and
~0.3 GB of samples. Here the file is decoded in parts of about a minute at keyframes, as the
split detector does (``split.plan_parts``), one after another; each part runs the detector chain
and then gives up its frames, keeping:

- the transitions that begin inside it (the minimum shot length is applied once at the end);
- RGB samples at an interval that keeps at most ``max_samples`` for the whole file;
- the rows of the frame series at those samples and next to each transition (so every shot,
  however short, has rows), with their vectors, brightness and step. A kept row's step is the
  sum of the steps since the kept row before it, so a shot's motion (step per frame) reads the
  same as over every frame.

The result is a ``ShotDetection`` that keyframes and ``shot_analysis`` read as usual. Memory is
one part's frames plus the kept rows and samples, whatever the file's length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelforge.media.decode import DecodedVideo, DecodeSpan, DecodeStats, decode_for_analysis
from reelforge.media.probe import VideoInfo
from reelforge.media.shots import ShotDetection, default_detectors, detect_in_video
from reelforge.media.shots.assemble import MinShotLength, build_shots
from reelforge.media.shots.model import Transition
from reelforge.media.shots.signals import FrameSeries
from reelforge.media.shots.split import frame_index, plan_parts

#: Samples kept for the whole file (~43 KB each at 160 px): ~100 MB at most.
MAX_SAMPLES = 2400
#: Length of the parts decoded one after another: building a part's frame series takes ~100 MB
#: a minute of 30 fps for a moment (float32 vectors, block means and step temporaries); at
#: 2 minutes that lifted the peak by ~250 MB.
PART_S = 60.0
#: Frames kept on each side of a transition's edges.
EDGE_ROWS = 2


def detect_shots_compact(
    path: str | Path,
    *,
    part_s: float | None = None,
    margin_s: float = 3.0,
    min_shot_s: float = 0.4,
    sample_interval_s: float = 0.25,
    sample_long_side: int = 160,
    max_samples: int | None = None,
) -> ShotDetection:
    """The shots of ``path`` with a compact series and samples (see the module); parts of
    ``part_s`` seconds (``PART_S``), at most ``max_samples`` samples (``MAX_SAMPLES``)."""
    index = frame_index(path)
    all_times = index.frame_times
    duration = float(all_times[-1] - all_times[0]) if len(all_times) else 0.0
    interval = max(sample_interval_s, duration / max(1, max_samples or MAX_SAMPLES))
    parts = plan_parts(index, path, part_s=part_s or PART_S, margin_s=margin_s,
                       min_shot_s=min_shot_s)
    found: list[Transition] = []
    kept: list[dict[str, np.ndarray]] = []
    samples: dict[int, np.ndarray] = {}
    stats = DecodeStats()
    info: VideoInfo | None = None
    running = 0.0  # sum of the steps of every own row so far
    at_last_kept = 0.0  # that sum at the last kept row
    for part in parts:
        span = DecodeSpan(start_pts=int(index.all_pts[part.decode_first]),
                          stop_pts=int(index.all_pts[part.decode_last]), all_pts=index.all_pts)
        video = decode_for_analysis(path, fast=True, sample_interval_s=interval,
                                    sample_long_side=sample_long_side, span=span)
        info = info or video.info
        chain = [d for d in default_detectors(min_shot_s=min_shot_s, fps=video.info.fps or 30.0)
                 if not isinstance(d, MinShotLength)]
        detection = detect_in_video(video, detectors=chain)
        video = detection.video  # with any skimmed gap that changed decoded (``fill``)
        own_transitions = [t for t in detection.transitions if part.first <= t.cut_frame < part.end]
        found += own_transitions
        series = detection.series
        own = np.flatnonzero((series.indices >= part.first) & (series.indices < part.end))
        frames = series.indices[own]
        near = np.zeros(len(own), dtype=bool)
        for t in detection.transitions:  # the part's margins too: a neighbour's edges
            for edge in (t.start_frame, t.cut_frame, t.end_frame):
                near |= np.abs(frames - edge) <= EDGE_ROWS
        own_samples = {f: rgb for f, rgb in video.samples.items() if part.first <= f < part.end}
        keep = near | np.isin(frames, np.fromiter(own_samples, dtype=np.int64,
                                                   count=len(own_samples)))
        if own.size:
            keep[0] = True  # every part's first own row: no shot is left without rows
        sums = running + np.cumsum(series.step[own].astype(np.float64))
        rows = own[keep]
        at_rows = sums[keep]
        steps = np.diff(np.concatenate(([at_last_kept], at_rows)))
        if rows.size:
            at_last_kept = float(at_rows[-1])
        running = float(sums[-1]) if sums.size else running
        kept.append({"indices": series.indices[rows], "times": series.times[rows],
                     "vectors": series.vectors[rows], "luma_mean": series.luma_mean[rows],
                     "luma_std": series.luma_std[rows], "step": steps.astype(np.float32),
                     "tiny": video.tiny[rows]})
        samples.update(own_samples)
        stats.frames += video.stats.frames
        stats.corrupt_frames += video.stats.corrupt_frames
        del video, detection, series  # this part's frames go before the next part's come
    assert info is not None  # plan_parts gives at least one part
    joined = {key: np.concatenate([k[key] for k in kept]) for key in kept[0]}
    if len(joined["step"]):
        joined["step"][0] = 0.0
    series = FrameSeries(indices=joined["indices"], times=joined["times"],
                         vectors=joined["vectors"], luma_mean=joined["luma_mean"],
                         luma_std=joined["luma_std"], step=joined["step"],
                         total_frames=len(index.all_pts))
    min_frames = max(1, round(min_shot_s * index.fps))
    transitions = sorted(MinShotLength(min_frames=min_frames)(
        series, sorted(found, key=lambda t: t.cut_frame)), key=lambda t: t.cut_frame)
    shots = build_shots(series, all_times, transitions)
    stats.first_time_s, stats.last_time_s = float(all_times[0]), float(all_times[-1])
    stats.intervals = np.diff(all_times).tolist()
    video = DecodedVideo(info=info, indices=joined["indices"],
                         times=joined["times"], tiny=joined["tiny"], samples=samples,
                         frame_times=all_times, stats=stats, frame_pts=index.all_pts)
    return ShotDetection(shots=shots, transitions=transitions, video=video, series=series)
