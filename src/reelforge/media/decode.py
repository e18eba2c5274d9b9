"""Decoding a video into small analysis frames with PyAV, fast and with honest timestamps.

Shot detection and analysis never need full-size pictures, so every decoded frame goes straight
through FFmpeg's scaler (``SmallFrames``, the one resizer every decode path uses) into a tiny
planar YUV frame (about 2k pixels) and, every few frames, a small RGB "sample" picture for
per-shot analysis and thumbnails. The decoder runs with FFmpeg's own threads
(``thread_type = "AUTO"``). Times come from each frame's presentation timestamp, relative to the
container's start, so variable frame rates and delayed starts are right; display rotation is
applied to what we hand out. Opening, validating and describing a file is ``probe``'s job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from reelforge.media.gop_skim import GopChange, Planned, SkipFrame, planned_packets
from reelforge.media.packet_watch import PacketWatch, h264_nal_length_size
from reelforge.media.probe import (
    VideoInfo,
    displayed,
    frames_of,
    good_frames,
    open_container,
    quarter_turns,
    stream_info,
    undecodable,
    video_stream,
)

#: Pixel budget of the tiny detection frame (w*h, ~60x34 for 16:9): the benchmark found 2048
#: as accurate as 4096, and 1024 not.
TINY_PIXELS = 2048
#: What fast mode skips between changes in H.264: "BIDIR" (all B-frames) or "NONREF".
FAST_SKIP: Literal["BIDIR", "NONREF"] = "BIDIR"
#: In a steady GOP without B-frames fast mode decodes only its first quarter second (at least
#: this many frames) and skims the rest (``gop_skim``).
SKIM_RUN_S = 0.25
SKIM_MIN_FRAMES = 4
#: Fast mode also skips H.264's deblocking filter (~20% of decoding; invisible at 48 px).
SKIP_LOOP_FILTER = True
#: FFmpeg scaler for the tiny frames: AREA averages every pixel (bilinear aliases at 20x).
TINY_INTERPOLATION = Interpolation.AREA


@dataclass
class DecodeStats:
    """What happened while decoding: frames seen, frames skipped as corrupt, timing oddities."""

    frames: int = 0
    corrupt_frames: int = 0
    missing_timestamps: int = 0
    first_time_s: float | None = None
    last_time_s: float | None = None
    intervals: list[float] = field(default_factory=list, repr=False)

    @property
    def variable_frame_rate(self) -> bool:
        """True when frame intervals differ by more than 10% from their median."""
        if len(self.intervals) < 3:
            return False
        iv = np.asarray(self.intervals)
        med = float(np.median(iv))
        return med > 0 and bool(np.mean(np.abs(iv - med) > 0.1 * med) > 0.02)


@dataclass
class DecodedVideo:
    """The analysis frames of a whole file, in display order, plus what the decoder saw.

    ``indices`` are display frame ordinals in the file (0-based); with ``fast`` decoding they
    have gaps where the decoder skipped frames nobody needed. ``frame_times`` holds the time of
    every frame of the file, decoded or not.
    """

    info: VideoInfo
    indices: np.ndarray  # (n,) int64, increasing
    times: np.ndarray  # (n,) float64 seconds from the container start
    tiny: np.ndarray  # (n, 3, h, w) uint8 planar Y, U, V
    samples: dict[int, np.ndarray]  # display index -> (h, w, 3) uint8 RGB
    frame_times: np.ndarray  # (total_frames,) float64
    stats: DecodeStats
    frame_pts: np.ndarray | None = None  # (total_frames,) int64 stream timestamps, if known

    @property
    def total_frames(self) -> int:
        return len(self.frame_times)


@dataclass(frozen=True)
class DecodeSpan:
    """A part of a file to decode: from the keyframe at ``start_pts`` to the frame at
    ``stop_pts``, numbered among ``all_pts`` (every frame timestamp of the whole file, sorted), so
    the part's display ordinals and times are the whole file's (``shots.split``)."""

    start_pts: int
    stop_pts: int
    all_pts: np.ndarray


def decode_for_analysis(
    path: str | Path,
    *,
    fast: bool = True,
    tiny_pixels: int = TINY_PIXELS,
    sample_interval_s: float = 0.25,
    sample_long_side: int = 160,
    on_progress: Callable[[float], None] | None = None,
    span: DecodeSpan | None = None,
) -> DecodedVideo:
    """Decode ``path`` into tiny YUV frames (and RGB samples every ``sample_interval_s``; 0 =
    none).

    ``fast`` skips B-frames (``skip_frame = "BIDIR"``) except around packets where the picture
    probably changes (see ``packet_watch``): hard cuts are decoded frame by frame while steady
    stretches cost a fraction of a full decode. With ``span`` only that part is decoded (a seek
    to its keyframe), its frames numbered as in the whole file.
    """
    path = Path(path)
    stats = DecodeStats()
    with open_container(path) as container:
        stream = video_stream(container, path)
        info = stream_info(container, stream, path)
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        ctx.thread_count = 0
        if fast and SKIP_LOOP_FILTER:
            # deblocking only smooths block edges; analysis frames average them away anyway
            ctx.options = {**ctx.options, "skip_loop_filter": "all"}
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        tb = float(stream.time_base) if stream.time_base else 1.0 / 90000
        packet_pts: list[int] = []
        frame_pts: list[int | None] = []
        tinies: list[np.ndarray] = []
        rgb_by_pts: dict[int, np.ndarray] = {}
        watch = PacketWatch(h264_nal_length_size(ctx.name, ctx.extradata))
        # all B-frames only where slice types show which P-frames grew (H.264); elsewhere the
        # non-reference ones (HEVC encoders make most frames B, many of them references)
        skip: Literal["BIDIR", "NONREF"] = (FAST_SKIP if watch.nal_length_size is not None
                                            else "NONREF")
        next_sample_t = -1e9
        # made at the first frame, whose display matrix tells the rotation
        resizers: tuple[SmallFrames, SmallFrames] | None = None
        duration = info.duration_s or 0.0
        past_span = False
        if span is not None:
            container.seek(span.start_pts, stream=stream, backward=True)
        change = GopChange(max(SKIM_MIN_FRAMES, round(SKIM_RUN_S * (info.fps or 30.0))))
        for planned in _packet_plan(container.demux(stream), fast, watch, skip, change):
            packet = planned.packet
            if packet.pts is not None:
                packet_pts.append(packet.pts)
            if fast and packet.size:
                if planned.skip_frame == "NONKEY":
                    continue  # a skimmed GOP's rest: the decoder need not even parse it
                ctx.skip_frame = planned.skip_frame
            for frame in _decode(packet, stats):
                if span is not None:
                    if frame.pts is None or frame.pts < span.start_pts:
                        continue  # before the span (an open GOP's leading frames)
                    if frame.pts > span.stop_pts:
                        past_span = True  # frames come in display order: the rest are later
                        break
                if resizers is None:
                    info = replace(info, **displayed(info, frame.rotation))
                    resizers = (SmallFrames.tiny(info, tiny_pixels),
                                SmallFrames.pictures(info, sample_long_side))
                to_tiny, to_sample = resizers
                frame_pts.append(frame.pts)
                tinies.append(to_tiny(frame))
                change.see(frame.key_frame, tinies[-1])
                if frame.pts is None:
                    continue
                t = float(frame.pts) * tb - start
                if sample_interval_s > 0 and t >= next_sample_t:
                    next_sample_t = t + sample_interval_s
                    rgb_by_pts[frame.pts] = to_sample(frame)
                if on_progress is not None and duration > 0:
                    on_progress(min(1.0, t / duration))
            if past_span:
                break
    if not tinies:
        raise undecodable(path)
    if span is not None:
        packet_pts = span.all_pts.tolist()
    return _assemble(info, packet_pts, frame_pts, tinies, rgb_by_pts, tb, start, stats)


def _packet_plan(packets: Iterable[av.Packet], fast: bool, watch: PacketWatch,
                 skip: SkipFrame, change: GopChange) -> Iterator[Planned]:
    """Each packet with how to decode it: H.264 (avcC) GOP by GOP (``gop_skim``); other codecs
    packet by packet, skipping ``skip`` frames away from marked changes; all in full when not
    ``fast``."""
    if fast and watch.nal_length_size is not None:
        yield from planned_packets(packets, watch, skip, change)
        return
    for packet in packets:
        full = not fast or not packet.size or watch.full(bytes(packet), packet.size,
                                                         packet.is_keyframe)
        yield Planned(packet, "DEFAULT" if full else skip)


def read_pictures(
    path: str | Path, frame_indices: list[int], *, long_side: int = 640
) -> dict[int, np.ndarray]:
    """RGB pictures (long side ``long_side``) of the given display ordinals, in one pass."""
    path = Path(path)
    wanted = sorted(set(frame_indices))
    out: dict[int, np.ndarray] = {}
    if not wanted:
        return out
    with open_container(path) as container:
        stream = video_stream(container, path)
        info = stream_info(container, stream, path)
        stream.thread_type = "AUTO"
        pos = 0
        to_rgb: SmallFrames | None = None
        for index, frame in enumerate(frames_of(container, stream)):
            if to_rgb is None:  # the first frame's display matrix tells the rotation
                to_rgb = SmallFrames.pictures(
                    replace(info, **displayed(info, frame.rotation)), long_side)
            if index != wanted[pos]:
                continue
            out[index] = to_rgb(frame)
            pos += 1
            if pos == len(wanted):
                break
    return out


def tiny_frames_between(video: DecodedVideo, first: int, last: int,
                        tiny_pixels: int = TINY_PIXELS) -> dict[int, np.ndarray]:
    """Tiny frames of display ordinals ``first..last``, decoding every frame from the keyframe
    before ``first`` (a seek), for cuts that fast decoding could not place exactly."""
    return frames_between(video, [(first, last)], tiny_pixels=tiny_pixels)[0]


def frames_between(video: DecodedVideo, ranges: Sequence[tuple[int, int]], *,
                   tiny_pixels: int = TINY_PIXELS, sample_interval_s: float = 0.0,
                   sample_long_side: int = 160,
                   ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Tiny frames (and RGB samples every ``sample_interval_s``; 0 = none) of every display
    ordinal in the inclusive ``ranges``, each decoded in full from the keyframe before it."""
    tiny: dict[int, np.ndarray] = {}
    samples: dict[int, np.ndarray] = {}
    if video.frame_pts is None or not ranges:
        return tiny, samples
    info = video.info
    with open_container(info.path) as container:
        stream = video_stream(container, info.path)
        stream.thread_type = "AUTO"
        to_tiny = SmallFrames.tiny(info, tiny_pixels)
        to_sample = SmallFrames.pictures(info, sample_long_side) if sample_interval_s else None
        for first, last in ranges:
            container.seek(int(video.frame_pts[first]), stream=stream, backward=True)
            next_sample_t = -1e9
            for frame in frames_of(container, stream):
                if frame.pts is None:
                    continue
                index = int(np.searchsorted(video.frame_pts, frame.pts))
                if index > last:
                    break
                if index < first:
                    continue
                tiny[index] = to_tiny(frame)
                t = float(video.frame_times[min(index, video.total_frames - 1)])
                if to_sample is not None and t >= next_sample_t:
                    next_sample_t = t + sample_interval_s
                    samples[index] = to_sample(frame)
    return tiny, samples


@dataclass
class SmallFrames:
    """Decoded frames to small upright arrays of one size and layout: the one resizer of every
    decode path. It keeps FFmpeg's scaler context across frames (building one per frame costs
    more than decoding a 360p frame).

    ``"yuv"`` gives planar (3, h, w) Y, U, V; ``"rgb"`` gives (h, w, 3) RGB.
    """

    width: int
    height: int
    layout: Literal["yuv", "rgb"]
    turns: int = 0  # np.rot90 quarter turns that make the frame upright
    interpolation: Interpolation = Interpolation.AREA
    _scaler: VideoReformatter = field(default_factory=VideoReformatter, init=False, repr=False)

    @classmethod
    def tiny(cls, info: VideoInfo, pixels: int = TINY_PIXELS) -> SmallFrames:
        """Detection frames of about ``pixels`` pixels, planar YUV."""
        w, h = tiny_size(info.coded_width, info.coded_height, pixels)
        return cls(w, h, "yuv", quarter_turns(info.rotation), TINY_INTERPOLATION)

    @classmethod
    def pictures(cls, info: VideoInfo, long_side: int) -> SmallFrames:
        """RGB pictures whose long side is ``long_side`` (never enlarged)."""
        w, h = tiny_size(info.coded_width, info.coded_height, 0, long_side=long_side)
        return cls(w, h, "rgb", quarter_turns(info.rotation), Interpolation.AREA)

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        w, h = self.width, self.height
        if self.layout == "yuv":
            small = self._scaler.reformat(frame, width=w, height=h, format="yuv444p",
                                          interpolation=self.interpolation)
            array, axes = np.stack([_plane(small, i, w, h) for i in range(3)]), (1, 2)
        else:
            small = self._scaler.reformat(frame, width=w, height=h, format="rgb24",
                                          interpolation=self.interpolation)
            array, axes = _rgb(small, w, h), (0, 1)
        if not self.turns:
            return array
        return np.ascontiguousarray(np.rot90(array, self.turns, axes=axes))


def _decode(packet: av.Packet, stats: DecodeStats) -> list[av.VideoFrame]:
    """Frames of one packet; a packet the decoder rejects is skipped and counted, never fatal."""
    frames, rejected = good_frames(packet)
    stats.corrupt_frames += rejected
    return frames


def _assemble(info: VideoInfo, packet_pts: list[int], frame_pts: list[int | None],
              tinies: list[np.ndarray], rgb_by_pts: dict[int, np.ndarray], tb: float,
              start: float, stats: DecodeStats) -> DecodedVideo:
    """Give each decoded frame its display ordinal: its rank among all packet timestamps."""
    n = len(tinies)
    if all(p is not None for p in frame_pts):
        all_pts = np.unique(np.asarray(packet_pts + frame_pts, dtype=np.int64))
        fp = np.asarray(frame_pts, dtype=np.int64)
        order = np.argsort(fp, kind="stable")
        keep = np.concatenate([[True], np.diff(fp[order]) > 0])  # drop repeated timestamps
        order = order[keep]
        indices = np.searchsorted(all_pts, fp[order]).astype(np.int64)
        frame_times = all_pts.astype(np.float64) * tb - start
        tiny = np.stack([tinies[i] for i in order])
        samples = {int(np.searchsorted(all_pts, p)): rgb for p, rgb in rgb_by_pts.items()}
        pts_of_frames: np.ndarray | None = all_pts
    else:  # no usable timestamps: count frames and assume the declared rate
        stats.missing_timestamps = sum(p is None for p in frame_pts)
        indices = np.arange(n, dtype=np.int64)
        frame_times = indices / (info.fps or 30.0)
        tiny = np.stack(tinies)
        samples = {}
        pts_of_frames = None
    times = frame_times[indices]
    stats.frames = len(indices)
    stats.first_time_s = float(times[0])
    stats.last_time_s = float(times[-1])
    stats.intervals = np.diff(frame_times).tolist()
    return DecodedVideo(info=info, indices=indices, times=times, tiny=tiny, samples=samples,
                        frame_times=frame_times, stats=stats, frame_pts=pts_of_frames)


def tiny_size(width: int, height: int, pixels: int, *, long_side: int = 0) -> tuple[int, int]:
    """An even (w, h) with the aspect of (width, height): ~``pixels`` in area, or ``long_side``."""
    scale = long_side / max(width, height) if long_side else math.sqrt(pixels / (width * height))
    scale = min(scale, 1.0)
    w = max(2, round(width * scale / 2) * 2)
    h = max(2, round(height * scale / 2) * 2)
    return w, h


def _plane(frame: av.VideoFrame, i: int, w: int, h: int) -> np.ndarray:
    plane = frame.planes[i]
    # VideoPlane has __buffer__, but numpy's stubs only take known buffer types before 3.12
    buf = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)  # type: ignore[call-overload]
    return buf[:h, :w]


def _rgb(frame: av.VideoFrame, w: int, h: int) -> np.ndarray:
    plane = frame.planes[0]
    # a buffer numpy's stubs don't know (see _plane)
    buf = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)  # type: ignore[call-overload]
    return buf[:h, : w * 3].reshape(h, w, 3).copy()
