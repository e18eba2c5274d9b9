"""Reframing to another aspect (16:9 → 9:16): a crop window that follows the speaker's face.

Three parts, each small:

- ``scan_stretch`` decodes the stretch once, streaming (one small frame in memory at a time),
  finds the largest face a few times a second and the shot changes to the frame;
- ``plan_crop`` turns those samples into one window position per output frame: within a shot
  the face's centre is median-filtered (detector outliers), smoothed without lag (a Gaussian
  over the whole shot, which we know in advance), held still when the speaker barely moves,
  nudged so the face box stays inside, and limited in speed (no jump between two frames); at a
  shot change the window takes a new framing at once; a shot without a face is framed at the
  centre, and a stretch with no face at all is shown whole over a blurred copy of itself;
- ``render_reframed`` runs one FFmpeg graph: the window's positions are sent to FFmpeg's
  ``crop`` filter as timed commands (``sendcmd``), so FFmpeg does the decoding, cropping and
  encoding in constant memory.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from reelforge.errors import InputError
from reelforge.media.activity import THUMB_H, THUMB_W, sudden_change
from reelforge.media.faces import Face, detect_faces


@dataclass(frozen=True)
class Aspect:
    width: int
    height: int

    @property
    def ratio(self) -> float:
        return self.width / self.height

    def __str__(self) -> str:
        return f"{self.width}:{self.height}"


def parse_aspect(text: str) -> Aspect:
    """ "9:16" → Aspect(9, 16), or one clear error."""
    found = re.fullmatch(r"\s*(\d{1,4})\s*[:x/]\s*(\d{1,4})\s*", text)
    if not found or int(found[1]) == 0 or int(found[2]) == 0:
        raise InputError(f"aspect {text!r} is not W:H", hint="e.g. --aspect 9:16 or 1:1 or 4:5")
    return Aspect(int(found[1]), int(found[2]))


def window_size(width: int, height: int, aspect: Aspect) -> tuple[int, int]:
    """The largest window of ``aspect`` inside a ``width`` × ``height`` frame, even sides."""
    if width / height > aspect.ratio:
        w = min(width, round(height * aspect.ratio))
        return max(2, w - w % 2), height - height % 2
    h = min(height, round(width / aspect.ratio))
    return width - width % 2, max(2, h - h % 2)


@dataclass(frozen=True)
class FaceSample:
    """The largest face (source pixels) at ``time_s`` from the stretch's start, or None."""

    time_s: float
    face: Face | None


@dataclass(frozen=True)
class ReframeRules:
    sample_fps: float = 5.0  # face detections per second
    analysis_long_side: int = 480  # detection frame size (faces of a speaker are large)
    smooth_s: float = 0.4  # Gaussian sigma of the path within a shot
    max_speed: float = 0.6  # fastest move of the window: its own width per second times this
    still: float = 0.05  # a face moving less than this (fraction of frame width) is held still


@dataclass(frozen=True)
class CropPlan:
    """Where the window is, frame by frame; ``fill``: no face anywhere, show the whole frame
    over a blurred copy instead of cropping."""

    frame_width: int
    frame_height: int
    width: int
    height: int
    fps: float
    xs: np.ndarray  # (n,) int: the window's left edge per output frame
    y: int
    cuts: tuple[int, ...]  # output frames where a new shot (and framing) starts
    fill: bool
    face_share: float  # samples with a face / all samples


@dataclass(frozen=True)
class Stretch:
    """What one decoding pass over a stretch found: faces a few times a second, and the shot
    changes (seconds from the stretch's start) to the frame."""

    samples: list[FaceSample]
    cuts_s: list[float]


def scan_stretch(video: Path, start_s: float = 0.0, end_s: float | None = None,
                 rules: ReframeRules | None = None) -> Stretch:
    """Faces and shot changes between ``start_s`` and ``end_s``, decoding one frame at a time
    (memory does not grow with the stretch)."""
    from av.video.reformatter import VideoReformatter

    from reelforge.media.decode import SmallFrames
    from reelforge.media.probe import open_container, probe_video, video_stream

    rules = rules or ReframeRules()
    info = probe_video(video)
    small = SmallFrames.pictures(info, rules.analysis_long_side)
    thumbnails = VideoReformatter()
    scale = info.width / small.width
    samples: list[FaceSample] = []
    cuts: list[float] = []
    changes: list[float] = []
    previous: np.ndarray | None = None
    with open_container(Path(video)) as container:
        stream = video_stream(container, Path(video))
        stream.thread_type = "AUTO"
        tb = float(stream.time_base) if stream.time_base else 1.0 / 90000
        origin = container.start_time / av.time_base if container.start_time is not None else 0.0
        if start_s > 0:
            container.seek(int((start_s + origin) / tb), stream=stream, backward=True)
        next_t = start_s
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                if frame.pts is None:
                    continue
                t = float(frame.pts) * tb - origin
                if end_s is not None and t >= end_s:
                    return Stretch(samples, cuts)
                if t + 1e-6 < start_s:
                    continue
                thumb = thumbnails.reformat(frame, width=THUMB_W, height=THUMB_H, format="gray")
                grey = thumb.to_ndarray().astype(np.int16)
                if previous is not None:
                    change = float(np.abs(grey - previous).mean())
                    if sudden_change(change, changes):
                        cuts.append(round(t - start_s, 4))
                    changes.append(change)
                previous = grey
                if t + 1e-6 < next_t:
                    continue
                next_t = t + 1.0 / rules.sample_fps
                faces = detect_faces(small(frame))
                samples.append(FaceSample(round(t - start_s, 4),
                                          faces[0].scaled(scale) if faces else None))
    return Stretch(samples, cuts)


def sample_faces(video: Path, start_s: float = 0.0, end_s: float | None = None,
                 rules: ReframeRules | None = None) -> list[FaceSample]:
    """The largest face a few times a second between ``start_s`` and ``end_s`` (relative times)."""
    return scan_stretch(video, start_s, end_s, rules).samples


def _median3(values: np.ndarray) -> np.ndarray:
    if values.size < 3:
        return values
    padded = np.concatenate(([values[0]], values, [values[-1]]))
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0.5 or values.size < 3:
        return values
    from scipy.ndimage import gaussian_filter1d

    return np.asarray(gaussian_filter1d(values, sigma, mode="nearest"))


def _segment_path(frame_times: np.ndarray, samples: Sequence[FaceSample], frame_w: int,
                  window_w: int, fps: float, rules: ReframeRules) -> np.ndarray | None:
    """The window's left edge for the frames of one shot, or None when it shows no face."""
    seen = [s for s in samples if s.face is not None]
    if not seen:
        return None
    times = np.array([s.time_s for s in seen])
    faces = [s.face for s in seen if s.face is not None]
    centres = _median3(np.array([f.centre_x for f in faces]))
    lefts = _median3(np.array([f.x for f in faces]))
    rights = _median3(np.array([f.x + f.width for f in faces]))
    centre = _gaussian(np.interp(frame_times, times, centres), rules.smooth_s * fps)
    if float(np.ptp(centre)) < rules.still * frame_w:
        centre = np.full_like(centre, float(np.median(centres)))
    x = centre - window_w / 2
    left, right = np.interp(frame_times, times, lefts), np.interp(frame_times, times, rights)
    fits = right - left <= window_w
    x = np.where(fits, np.clip(x, right - window_w, left), x)  # the whole face inside
    step = max(1.0, rules.max_speed * window_w / fps)
    for k in range(1, x.size):
        x[k] = x[k - 1] + float(np.clip(x[k] - x[k - 1], -step, step))
    return np.clip(x, 0, frame_w - window_w)


def plan_crop(frame_w: int, frame_h: int, aspect: Aspect, fps: float, n_frames: int,
              samples: Sequence[FaceSample], cut_times_s: Sequence[float] = (),
              rules: ReframeRules | None = None) -> CropPlan:
    """One window position per output frame (times relative to the stretch's start); positions
    are even because FFmpeg's crop of 4:2:0 video rounds odd ones down."""
    rules = rules or ReframeRules()
    w, h = window_size(frame_w, frame_h, aspect)
    frame_times = np.arange(n_frames) / fps
    cuts = sorted({round(t * fps) for t in cut_times_s if 0 < round(t * fps) < n_frames})
    bounds = [0, *cuts, n_frames]
    centre_x = (frame_w - w) // 2
    xs = np.full(n_frames, centre_x, dtype=np.float64)
    with_face = sum(s.face is not None for s in samples)
    if w < frame_w and with_face:
        for a, b in itertools.pairwise(bounds):
            lo, hi = a / fps, b / fps
            inside = [s for s in samples if lo <= s.time_s < hi]
            path = _segment_path(frame_times[a:b], inside, frame_w, w, fps, rules)
            if path is not None:
                xs[a:b] = path
    return CropPlan(frame_width=frame_w, frame_height=frame_h, width=w, height=h, fps=fps,
                    xs=(np.round(xs / 2) * 2).astype(np.int64), y=(frame_h - h) // 4 * 2,
                    cuts=tuple(cuts),
                    fill=w < frame_w and not with_face,
                    face_share=with_face / len(samples) if samples else 0.0)


def crop_commands(plan: CropPlan) -> str:
    """FFmpeg ``sendcmd`` lines moving the crop window, one per change, each just before the
    frame it applies to."""
    lines, last = [], None
    for k, x in enumerate(plan.xs.tolist()):
        if x != last:
            lines.append(f"{max(0.0, (k - 0.5) / plan.fps):.4f} crop x {x};")
            last = x
    return "\n".join(lines) + "\n"


def reframe_graph(plan: CropPlan, commands_file: str, extra: str = "") -> str:
    """The ``-filter_complex`` graph from input 0's video to ``[v]``; ``extra`` filters (e.g.
    captions) run on the reframed picture."""
    tail = f",{extra}" if extra else ""
    if plan.fill:
        w, h = plan.width, plan.height
        blur = max(2, min(w, h) // 24)  # FFmpeg's limit: under a quarter of the chroma plane
        return (f"[0:v]split[a][b];[a]scale={w}:{h}:force_original_aspect_ratio=increase,"
                f"crop={w}:{h},boxblur={blur}:2[bg];[b]scale={w}:-2[fg];"
                f"[bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1,format=yuv420p{tail}[v]")
    x0 = int(plan.xs[0]) if plan.xs.size else 0
    return (f"[0:v]sendcmd=f={commands_file},crop=w={plan.width}:h={plan.height}:x={x0}:"
            f"y={plan.y},setsar=1,format=yuv420p{tail}[v]")


@dataclass(frozen=True)
class Encoding:
    ffmpeg: Path
    preset: str = "veryfast"
    crf: int = 21


def render_reframed(video: Path, out: Path, plan: CropPlan, encoding: Encoding, work_dir: Path,
                    *, start_s: float = 0.0, duration_s: float | None = None,
                    extra_filters: str = "", music: Path | None = None, has_audio: bool = True,
                    on_progress: Callable[[float], None] | None = None) -> None:
    """``video`` (from ``start_s`` for ``duration_s``) cropped along ``plan`` into ``out``
    (H.264 + AAC). FFmpeg runs in ``work_dir``, where ``extra_filters`` may find its files.
    ``music``: a song looped under the clip's own sound, ducked while someone speaks
    (``media/ducking.py``, as ``make`` does)."""
    from reelforge.media.ducking import music_bed_graph
    from reelforge.media.ffmpeg import run_ffmpeg

    (work_dir / "crop.cmd").write_text(crop_commands(plan), encoding="utf-8")
    seek = ["-ss", f"{start_s:.3f}"] if start_s > 0 else []
    length = ["-t", f"{duration_s:.3f}"] if duration_s is not None else []
    part = out.with_name(out.name + ".part.mp4")
    total_s = duration_s or len(plan.xs) / plan.fps
    graph, sound = reframe_graph(plan, "crop.cmd", extra_filters), ["-map", "0:a?"]
    bed = []
    if music is not None:
        bed = ["-stream_loop", "-1", "-i", str(Path(music).resolve())]
        graph += ";" + music_bed_graph("0:a" if has_audio else None, "1:a", "rf_aout", total_s)
        sound = ["-map", "[rf_aout]"]
    run_ffmpeg([*seek, *length, "-i", str(Path(video).resolve()), *bed,
                "-filter_complex", graph,
                "-map", "[v]", *sound, "-c:v", "libx264", "-preset", encoding.preset,
                "-crf", str(encoding.crf), "-r", f"{plan.fps:.6g}", "-c:a", "aac", "-b:a", "128k",
                "-movflags", "+faststart", str(part.resolve())],
               ffmpeg=encoding.ffmpeg, total_s=total_s,
               on_progress=on_progress, what=f"reframing {Path(video).name}", cwd=work_dir)
    part.replace(out)
