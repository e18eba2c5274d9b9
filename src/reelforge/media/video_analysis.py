"""One video, understood: file facts, shots, per-shot looks and motion, pacing, keyframes.

``analyze_video(path)`` returns the JSON document described by
``docs/schemas/video-analysis.v1.json``. It decodes the file once (fast mode: B-frames skipped
except around changes of picture) and measures everything on what that pass kept: tiny frames
for motion and cuts, ~4 small RGB samples a second for tone, colour, sharpness and descriptors.
The pipeline runs it on every rendered ``final.mp4``, so it must stay close to decode time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from reelforge import __version__
from reelforge.media.image_analysis import (
    colorfulness,
    describe_image,
    dominant_palette,
    laplacian_variance,
    luma,
)
from reelforge.media.keyframes import (
    Keyframe,
    choose_keyframes,
    transition_frames,
    write_keyframes,
)
from reelforge.media.shots import Shot, ShotDetection, detect_shots_in
from reelforge.media.shots.assemble import is_boundary

SCHEMA_VERSION = "video-analysis.v1"
#: Motion is read from decoded frames at most this many frames apart: across a skimmed GOP's
#: gap (``media.gop_skim``) the change per frame says nothing about the camera.
MOTION_GAP = 4


def analyze_video(
    path: str | Path,
    *,
    fast: bool = True,
    min_shot_s: float = 0.4,
    palette_colors: int = 5,
    keyframes_dir: str | Path | None = None,
    keyframe_size: int = 640,
    strip_path: str | Path | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, object]:
    """Analyse the video at ``path``; optionally write keyframes and a thumbnail strip."""
    detection = detect_shots_in(path, fast=fast, min_shot_s=min_shot_s, on_progress=on_progress)
    return analysis_document(detection, palette_colors=palette_colors,
                             keyframes_dir=keyframes_dir, keyframe_size=keyframe_size,
                             strip_path=strip_path)


def analysis_document(
    detection: ShotDetection,
    *,
    palette_colors: int = 5,
    keyframes_dir: str | Path | None = None,
    keyframe_size: int = 640,
    strip_path: str | Path | None = None,
) -> dict[str, object]:
    """The schema's document for a finished detection."""
    video = detection.video
    keyframes = choose_keyframes(detection)
    if keyframes_dir is not None:
        keyframes = write_keyframes(detection, keyframes, keyframes_dir, size=keyframe_size)
    by_shot: dict[int, list[Keyframe]] = {}
    for k in keyframes:
        by_shot.setdefault(k.shot_index, []).append(k)
    blocked = transition_frames(detection)
    shots = [shot_analysis(detection, s, by_shot.get(s.index, []), blocked, palette_colors)
             for s in detection.shots]
    duration = _duration(detection)
    cuts = [t for t in detection.transitions if is_boundary(t)]
    lengths = [s.duration_s for s in detection.shots]
    strip: dict[str, Any] = {"path": None, "frames": [k.frame for k in _first_per_shot(keyframes)]}
    if strip_path is not None:
        strip["path"] = str(write_strip(detection, strip["frames"], strip_path))
    info = video.info
    stats = video.stats
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"reelforge {__version__}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "file": {
            "path": str(info.path),
            "size_bytes": info.size_bytes,
            "container": info.container,
            "video_codec": info.codec,
            "video_codec_name": info.codec_long_name,
            "profile": info.profile,
            "pixel_format": info.pixel_format,
            "width": info.width,
            "height": info.height,
            "rotation": info.rotation,
            "fps": info.fps,
            "variable_frame_rate": stats.variable_frame_rate,
            "frames": video.total_frames,
            "duration_s": round(duration, 6),
            "start_s": info.start_s,
            "bit_rate": info.bit_rate,
            "has_audio": info.has_audio,
            "audio_codec": info.audio_codec,
        },
        "decode": {
            "mode": "fast" if video.total_frames > stats.frames else "full",
            "decoded_frames": stats.frames,
            "corrupt_frames": stats.corrupt_frames,
        },
        "pacing": {
            "shot_count": len(detection.shots),
            "cut_count": sum(t.kind == "cut" for t in cuts),
            "gradual_count": sum(t.kind != "cut" for t in cuts),
            "cuts_per_minute": round(len(cuts) / (duration / 60.0), 3) if duration > 0 else 0.0,
            "mean_shot_s": round(float(np.mean(lengths)), 4) if lengths else 0.0,
            "median_shot_s": round(float(np.median(lengths)), 4) if lengths else 0.0,
        },
        "transitions": [
            {"type": t.kind, "cut_frame": t.cut_frame, "start_frame": t.start_frame,
             "end_frame": t.end_frame, "time_s": round(float(video.frame_times[
                 min(t.cut_frame, video.total_frames - 1)]), 6),
             "is_shot_boundary": is_boundary(t), "exact": t.exact}
            for t in detection.transitions
        ],
        "shots": shots,
        "thumbnail_strip": strip,
    }


def shot_analysis(detection: ShotDetection, shot: Shot, keyframes: list[Keyframe],
                  blocked: np.ndarray, palette_colors: int = 5) -> dict[str, object]:
    """Duration, motion, tone, colour, sharpness and descriptor of one shot."""
    series, samples = detection.series, detection.video.samples
    rows = np.flatnonzero((series.indices >= shot.start_frame) & (series.indices < shot.end_frame))
    clean = [r for r in rows if not blocked[int(series.indices[r])]]
    pics = [samples[f] for f in sorted(samples)
            if shot.start_frame <= f < shot.end_frame and not blocked[f]]
    if not pics:  # a very short shot: fall back to its tiny frames, converted to RGB
        pics = [_tiny_rgb(series, r) for r in (clean or list(rows))[:3]]
    ys = [luma(p) for p in pics]
    key_pic = samples.get(keyframes[0].frame) if keyframes else None
    if key_pic is None:
        key_pic = pics[len(pics) // 2]
    merged = np.concatenate([p.reshape(-1, 3) for p in pics[:: max(1, len(pics) // 8)]])
    side = int(np.sqrt(len(merged))) or 1
    mosaic = merged[: side * side].reshape(side, side, 3)
    doc = shot.as_dict()
    doc.update({
        "motion": round(_motion(series, clean), 4),
        "brightness": round(float(np.mean([y.mean() for y in ys]) / 255.0), 4),
        "contrast": round(float(np.mean([y.std() for y in ys]) / 255.0), 4),
        "colorfulness": round(float(np.mean([colorfulness(p) for p in pics])), 3),
        "sharpness": round(float(np.mean([laplacian_variance(y) for y in ys])), 3),
        "palette": [{"hex": c.hex, "share": c.share, "name": c.name}
                    for c in dominant_palette(mosaic, palette_colors)],
        "keyframes": [k.as_dict() for k in keyframes],
        "descriptor": [round(float(v), 5) for v in describe_image(key_pic)],
    })
    return doc


def shot_profile(detection: ShotDetection, shot: Shot, blocked: np.ndarray,
                 step_s: float = 0.5) -> tuple[list[float], list[float]]:
    """Motion (tiny-frame change per frame, 0..255) and sharpness (Laplacian variance of the
    samples) per ``step_s`` of the shot, from its start: where in the shot the camera is
    steadiest and the picture sharpest. Transition frames are left out; a span where nothing
    was measured takes its nearest measured neighbour's value; nothing measured: empty lists."""
    series, video = detection.series, detection.video
    times = video.frame_times
    bins = max(1, int(np.ceil(shot.duration_s / step_s - 1e-6)))

    def bin_of(frame: int) -> int:
        t = float(times[min(frame, len(times) - 1)]) - shot.start_s
        return min(bins - 1, max(0, int(t / step_s)))

    moves: list[list[float]] = [[] for _ in range(bins)]
    rows = np.flatnonzero((series.indices >= shot.start_frame)
                          & (series.indices < shot.end_frame))
    clean = [int(r) for r in rows if not blocked[int(series.indices[r])]]
    for a, b in itertools.pairwise(clean):
        gap = int(series.indices[b] - series.indices[a])
        if b == a + 1 and 0 < gap <= MOTION_GAP:
            moves[bin_of(int(series.indices[b]))].append(float(series.step[b]) / gap)
    sharp: list[list[float]] = [[] for _ in range(bins)]
    for f in sorted(video.samples):
        if shot.start_frame <= f < shot.end_frame and not blocked[f]:
            sharp[bin_of(f)].append(laplacian_variance(luma(video.samples[f])))
    return _filled([float(np.mean(v)) if v else None for v in moves]), \
        _filled([float(np.mean(v)) if v else None for v in sharp])


def _filled(values: list[float | None]) -> list[float]:
    """Gaps take the nearest known value (ties: the earlier); all unknown: empty."""
    known = [i for i, v in enumerate(values) if v is not None]
    if not known:
        return []
    out = []
    for i, v in enumerate(values):
        out.append(v if v is not None else values[min(known, key=lambda k: abs(k - i))])
    return [float(x) for x in out if x is not None]


def write_strip(detection: ShotDetection, frames: list[int], path: str | Path,
                *, height: int = 90) -> Path:
    """One image with a thumbnail per shot, left to right (JPEG, PNG or WebP by extension)."""
    samples = detection.video.samples
    pics = [Image.fromarray(samples[f]) for f in frames if f in samples]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not pics:
        Image.new("RGB", (height, height)).save(target)
        return target
    scaled = [p.resize((max(1, round(p.width * height / p.height)), height)) for p in pics]
    strip = Image.new("RGB", (sum(p.width for p in scaled), height))
    x = 0
    for p in scaled:
        strip.paste(p, (x, 0))
        x += p.width
    strip.save(target)
    return target


def _motion(series: object, rows: Sequence[int | np.integer]) -> float:
    """Mean frame-difference energy per frame (0..255 tiny YUV), transitions excluded."""
    from reelforge.media.shots.signals import FrameSeries

    assert isinstance(series, FrameSeries)
    if len(rows) < 2:
        return 0.0
    values = []
    for a, b in itertools.pairwise(rows):
        gap = int(series.indices[b] - series.indices[a])
        if b == a + 1 and 0 < gap <= MOTION_GAP:
            values.append(float(series.step[b]) / gap)
    return float(np.mean(values)) if values else 0.0


def _tiny_rgb(series: object, row: int | np.integer) -> np.ndarray:
    from reelforge.media.shots.signals import FrameSeries

    assert isinstance(series, FrameSeries)
    n = series.vectors.shape[1] // 3
    y = series.vectors[row][:n]
    grey = np.clip(y, 0, 255).astype(np.uint8)
    side = max(1, int(np.sqrt(n)))
    grey = grey[: side * side].reshape(side, side)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _first_per_shot(keyframes: list[Keyframe]) -> list[Keyframe]:
    seen: set[int] = set()
    out = []
    for k in keyframes:
        if k.shot_index not in seen:
            seen.add(k.shot_index)
            out.append(k)
    return out


def _duration(detection: ShotDetection) -> float:
    shots = detection.shots
    return shots[-1].end_s - shots[0].start_s if shots else 0.0
