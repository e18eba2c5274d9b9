"""Keyframes: per shot, the sharpest representative frame(s), never one inside a transition.

Candidates are the small RGB samples taken while decoding (every ~0.25 s), so choosing costs no
extra decoding. A long shot whose content changes (a pan to a new subject) is split where its
picture drifts far from where the segment began, and each segment gets its own keyframe. Writing
keyframes at a size larger than the samples decodes those frames once more, in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from reelforge.errors import InputError
from reelforge.media.decode import read_pictures
from reelforge.media.image_analysis import laplacian_variance, luma
from reelforge.media.shots import ShotDetection

ImageFormat = Literal["jpg", "webp", "png"]
#: Tiny-frame distance (0..255) at which a shot's content counts as changed.
SEGMENT_CHANGE = 28.0
#: Frames kept clear of each transition's edges.
TRANSITION_MARGIN = 1


@dataclass(frozen=True)
class Keyframe:
    """One chosen frame of a shot; ``path`` is set once written."""

    shot_index: int
    frame: int
    time_s: float
    sharpness: float
    path: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"shot_index": self.shot_index, "frame": self.frame,
                "time_s": round(self.time_s, 6), "sharpness": round(self.sharpness, 2),
                "path": self.path}


def transition_frames(detection: ShotDetection) -> np.ndarray:
    """Boolean per frame of the file: True inside any transition (with a small margin)."""
    mask = np.zeros(detection.video.total_frames, dtype=bool)
    for t in detection.transitions:
        if t.kind == "cut":
            continue
        mask[max(0, t.start_frame - TRANSITION_MARGIN): t.end_frame + TRANSITION_MARGIN] = True
    return mask


def choose_keyframes(detection: ShotDetection, *, max_per_shot: int = 3) -> list[Keyframe]:
    """Up to ``max_per_shot`` keyframes per shot, in shot order."""
    blocked = transition_frames(detection)
    series = detection.series
    samples = detection.video.samples
    sample_frames = np.array(sorted(samples), dtype=np.int64)
    chosen: list[Keyframe] = []
    for shot in detection.shots:
        inside = sample_frames[(sample_frames >= shot.start_frame)
                               & (sample_frames < shot.end_frame)]
        inside = inside[~blocked[inside]] if len(inside) else inside
        if len(inside) == 0:
            fallback = _fallback_frame(detection, shot.start_frame, shot.end_frame, blocked)
            if fallback is not None:
                chosen.append(Keyframe(shot.index, fallback, _time(detection, fallback), 0.0))
            continue
        vectors = series.vectors[[series.row_at(int(f)) for f in inside]]
        sharp = np.array([laplacian_variance(luma(samples[int(f)])) for f in inside])
        segments = _segments(vectors)
        if len(segments) > max_per_shot:  # keep the longest, in time order
            segments = sorted(sorted(segments, key=len, reverse=True)[:max_per_shot],
                              key=lambda seg: int(seg[0]))
        for segment in segments:
            seg_vectors = vectors[segment]
            distance = np.mean(np.abs(seg_vectors - seg_vectors.mean(axis=0)), axis=1)
            # sharp, but typical of the segment: a frame twice as far from the segment's mean
            # as usual must be over twice as sharp to win
            score = sharp[segment] / (1.0 + distance / (float(np.median(distance)) + 1e-6))
            best = int(segment[np.argmax(score)])
            frame = int(inside[best])
            chosen.append(Keyframe(shot.index, frame, _time(detection, frame),
                                   float(sharp[best])))
    return chosen


def write_keyframes(
    detection: ShotDetection,
    keyframes: list[Keyframe],
    out_dir: str | Path,
    *,
    size: int = 640,
    image_format: ImageFormat = "jpg",
    quality: int = 85,
) -> list[Keyframe]:
    """Write each keyframe as ``<stem>-shot<NNN>-<frame>.<ext>`` (long side ``size``)."""
    if image_format not in ("jpg", "webp", "png"):
        raise InputError(f"unknown keyframe format {image_format!r}", hint="use jpg, webp or png")
    if not 16 <= size <= 4096:
        raise InputError(f"keyframe size {size} is out of range", hint="use 16..4096 pixels")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    samples = detection.video.samples
    have_small = all(k.frame in samples for k in keyframes)
    sample_side = max(next(iter(samples.values())).shape[:2]) if samples else 0
    if have_small and size <= sample_side:
        pictures = {k.frame: samples[k.frame] for k in keyframes}
    else:
        pictures = read_pictures(detection.video.info.path, [k.frame for k in keyframes],
                                 long_side=size)
    stem = detection.video.info.path.stem
    written = []
    for k in keyframes:
        rgb = pictures.get(k.frame)
        if rgb is None:
            continue
        image = Image.fromarray(rgb)
        if max(image.size) != size:
            scale = size / max(image.size)
            image = image.resize((max(1, round(image.width * scale)),
                                  max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
        target = out / f"{stem}-shot{k.shot_index:03d}-{k.frame:06d}.{image_format}"
        options = {"quality": quality} if image_format in ("jpg", "webp") else {}
        image.save(target, "JPEG" if image_format == "jpg" else image_format.upper(), **options)
        written.append(Keyframe(k.shot_index, k.frame, k.time_s, k.sharpness, str(target)))
    return written


def _segments(vectors: np.ndarray) -> list[np.ndarray]:
    """Split consecutive samples where the picture drifts far from the segment's first one."""
    segments: list[list[int]] = [[0]]
    anchor = vectors[0]
    for i in range(1, len(vectors)):
        if float(np.mean(np.abs(vectors[i] - anchor))) > SEGMENT_CHANGE:
            segments.append([i])
            anchor = vectors[i]
        else:
            segments[-1].append(i)
    return [np.array(seg) for seg in segments]


def _fallback_frame(detection: ShotDetection, start: int, end: int,
                    blocked: np.ndarray) -> int | None:
    """A decoded frame near the middle of a shot too short to hold a sample."""
    idx = detection.series.indices
    rows = np.flatnonzero((idx >= start) & (idx < end))
    frames = [int(idx[r]) for r in rows if not blocked[int(idx[r])]]
    if not frames:
        return None
    middle = (start + end) / 2
    return min(frames, key=lambda f: abs(f - middle))


def _time(detection: ShotDetection, frame: int) -> float:
    return float(detection.video.frame_times[frame])
