"""Decoding a video into small analysis frames with PyAV, fast and with honest timestamps.

Shot detection and analysis never need full-size pictures, so every decoded frame goes straight
through FFmpeg's scaler (a reused ``VideoReformatter``) into a tiny planar YUV frame (about 2k
pixels) and, every few frames, a small RGB "sample" picture for per-shot analysis and thumbnails.
The
decoder runs with FFmpeg's own threads (``thread_type = "AUTO"``). Times come from each frame's
presentation timestamp, relative to the container's start, so variable frame rates and delayed
starts are right; display rotation is applied to what we hand out. A frame the decoder rejects is
skipped and counted, never fatal; a file that is not a usable video fails once, clearly, here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal, TypedDict

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from reelforge.errors import InputError, NotFound
from reelforge.media.packet_watch import PacketWatch, h264_nal_length_size

#: Pixel budget of the tiny detection frame (w*h, ~60x34 for 16:9): the benchmark found 2048
#: as accurate as 4096, and 1024 not.
TINY_PIXELS = 2048
#: Largest picture we accept, per side; beyond it a file is hostile or broken.
MAX_SIDE = 16384
MAX_PIXELS = 8192 * 8192
#: What fast mode skips between changes in H.264: "BIDIR" (all B-frames) or "NONREF".
FAST_SKIP: Literal["BIDIR", "NONREF"] = "BIDIR"
#: Fast mode also skips H.264's deblocking filter (~20% of decoding; invisible at 48 px).
SKIP_LOOP_FILTER = True
#: FFmpeg scaler for the tiny frames: AREA averages every pixel (bilinear aliases at 20x).
TINY_INTERPOLATION = Interpolation.AREA
#: Codecs whose one-frame files are pictures, not videos.
IMAGE_CODECS = {"png", "mjpeg", "jpeg2000", "bmp", "tiff", "webp", "gif", "ppm", "pgm", "qoi",
                "jpegls", "exr", "hdr", "sgi", "targa", "dpx", "pam", "pbm", "pcx", "xbm"}
IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe",
                 "gif_pipe", "ppm_pipe", "pgm_pipe", "qoi_pipe", "j2k_pipe", "exr_pipe"}


@dataclass(frozen=True)
class VideoInfo:
    """Container and codec facts of a file's first video stream, as displayed (rotation applied)."""

    path: Path
    container: str
    codec: str
    codec_long_name: str
    profile: str | None
    pixel_format: str | None
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    fps: float
    declared_frames: int
    duration_s: float
    start_s: float
    bit_rate: int | None
    size_bytes: int
    has_audio: bool
    audio_codec: str | None


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


def probe_video(path: str | Path) -> VideoInfo:
    """Describe the video stream of ``path``, or raise one clear error saying what is wrong."""
    path = Path(path)
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        info = _info(container, stream, path)
        for frame in _decoded(container, stream, DecodeStats()):
            return replace(info, **_rotated(info, frame.rotation))
    raise InputError(f"{path}: no frame of its video stream could be decoded",
                     hint="the file is truncated or corrupt; re-export or re-download it")


def decode_for_analysis(
    path: str | Path,
    *,
    fast: bool = True,
    tiny_pixels: int = TINY_PIXELS,
    sample_interval_s: float = 0.25,
    sample_long_side: int = 160,
    on_progress: Callable[[float], None] | None = None,
) -> DecodedVideo:
    """Decode ``path`` into tiny YUV frames (and RGB samples every ``sample_interval_s``; 0 =
    none).

    ``fast`` skips B-frames (``skip_frame = "BIDIR"``) except around packets where the picture
    probably changes (see ``packet_watch``): hard cuts are decoded frame by frame while steady
    stretches cost a fraction of a full decode.
    """
    path = Path(path)
    stats = DecodeStats()
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        info = _info(container, stream, path)
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        ctx.thread_count = 0
        if fast and SKIP_LOOP_FILTER:
            # deblocking only smooths block edges; analysis frames average them away anyway
            ctx.options = {**ctx.options, "skip_loop_filter": "all"}
        tw, th = tiny_size(info.coded_width, info.coded_height, tiny_pixels)
        sw, sh = tiny_size(info.coded_width, info.coded_height, 0, long_side=sample_long_side)
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
        turns = 0
        rotation_seen = False
        # One reformatter per output shape: it keeps its scaler context (building one per frame
        # costs more than decoding a 360p frame).
        to_tiny, to_sample = VideoReformatter(), VideoReformatter()
        duration = info.duration_s or 0.0
        for packet in container.demux(stream):
            if packet.pts is not None:
                packet_pts.append(packet.pts)
            if fast and packet.size:
                full = watch.full(bytes(packet), packet.size, packet.is_keyframe)
                ctx.skip_frame = "DEFAULT" if full else skip
            for frame in _decode(packet, stats):
                if not rotation_seen:
                    info = replace(info, **_rotated(info, frame.rotation))
                    turns = _quarter_turns(info.rotation)
                    rotation_seen = True
                frame_pts.append(frame.pts)
                small = to_tiny.reformat(frame, width=tw, height=th, format="yuv444p",
                                         interpolation=TINY_INTERPOLATION)
                tiny = np.stack([_plane(small, i, tw, th) for i in range(3)])
                if turns:
                    tiny = np.ascontiguousarray(np.rot90(tiny, turns, axes=(1, 2)))
                tinies.append(tiny)
                if frame.pts is None:
                    continue
                t = float(frame.pts) * tb - start
                if sample_interval_s > 0 and t >= next_sample_t:
                    next_sample_t = t + sample_interval_s
                    rgb = _rgb(to_sample.reformat(frame, width=sw, height=sh, format="rgb24",
                                                  interpolation=Interpolation.AREA), sw, sh)
                    rgb_by_pts[frame.pts] = (np.ascontiguousarray(np.rot90(rgb, turns))
                                             if turns else rgb)
                if on_progress is not None and duration > 0:
                    on_progress(min(1.0, t / duration))
    if not tinies:
        raise InputError(
            f"{path}: no frame of its video stream could be decoded",
            hint="the file is truncated or corrupt; re-export or re-download it",
        )
    return _assemble(info, packet_pts, frame_pts, tinies, rgb_by_pts, tb, start, stats)


def read_pictures(
    path: str | Path, frame_indices: list[int], *, long_side: int = 640
) -> dict[int, np.ndarray]:
    """RGB pictures (long side ``long_side``) of the given display ordinals, in one pass."""
    path = Path(path)
    wanted = sorted(set(frame_indices))
    out: dict[int, np.ndarray] = {}
    if not wanted:
        return out
    with _open_container(path) as container:
        stream = _video_stream(container, path)
        info = _info(container, stream, path)
        stream.thread_type = "AUTO"
        w, h = tiny_size(info.coded_width, info.coded_height, 0, long_side=long_side)
        pos = 0
        to_rgb = VideoReformatter()
        for index, frame in enumerate(_decoded(container, stream, DecodeStats())):
            if index != wanted[pos]:
                continue
            turns = _quarter_turns(_rotated(info, frame.rotation)["rotation"])
            rgb = _rgb(to_rgb.reformat(frame, width=w, height=h, format="rgb24",
                                       interpolation=Interpolation.AREA), w, h)
            out[index] = np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
            pos += 1
            if pos == len(wanted):
                break
    return out


def tiny_frames_between(video: DecodedVideo, first: int, last: int,
                        tiny_pixels: int = TINY_PIXELS) -> dict[int, np.ndarray]:
    """Tiny frames of display ordinals ``first..last``, decoding every frame from the keyframe
    before ``first`` (a seek), for cuts that fast decoding could not place exactly."""
    out: dict[int, np.ndarray] = {}
    if video.frame_pts is None:
        return out
    info = video.info
    with _open_container(info.path) as container:
        stream = _video_stream(container, info.path)
        stream.thread_type = "AUTO"
        tw, th = tiny_size(info.coded_width, info.coded_height, tiny_pixels)
        turns = _quarter_turns(info.rotation)
        to_tiny = VideoReformatter()
        container.seek(int(video.frame_pts[first]), stream=stream, backward=True)
        for frame in _decoded(container, stream, DecodeStats()):
            if frame.pts is None:
                continue
            index = int(np.searchsorted(video.frame_pts, frame.pts))
            if index > last:
                break
            if index >= first:
                small = to_tiny.reformat(frame, width=tw, height=th, format="yuv444p",
                                         interpolation=TINY_INTERPOLATION)
                tiny = np.stack([_plane(small, i, tw, th) for i in range(3)])
                out[index] = np.ascontiguousarray(np.rot90(tiny, turns, axes=(1, 2))
                                                  ) if turns else tiny
    return out


def _decoded(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
             stats: DecodeStats) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        yield from _decode(packet, stats)


def _decode(packet: av.Packet, stats: DecodeStats) -> list[av.VideoFrame]:
    """Frames of one packet; a packet the decoder rejects is skipped and counted, never fatal."""
    try:
        frames = packet.decode()
    except av.error.EOFError:
        return []
    except av.error.FFmpegError:
        stats.corrupt_frames += 1
        return []
    good = []
    for frame in frames:
        if frame.is_corrupt:
            stats.corrupt_frames += 1
        else:
            good.append(frame)
    return good


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


def _open_container(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise NotFound(f"{path}: no such file", hint="check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a video file", hint="name one video file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes)", hint="re-export or re-download the video")
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        text = str(exc).lower()
        if "moov atom not found" in text or _mp4_without_index(path, size):
            raise InputError(
                f"{path} is truncated: its index (moov) is missing ({size} bytes)",
                hint="the download or export stopped early; get the complete file",
            ) from None
        raise InputError(
            f"{path} is not a video FFmpeg can read ({exc.strerror or exc})",
            hint="use a video file such as MP4, MOV, MKV or WebM",
        ) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path} could not be read: {exc}", hint="check the file") from None


def _mp4_without_index(path: Path, size: int) -> bool:
    """An MP4/MOV whose top-level boxes stop early or never include the index (moov)."""
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[4:8] != b"ftyp":
            return False
        pos = 0
        while pos + 8 <= size:
            f.seek(pos)
            box = f.read(16)
            length, kind = int.from_bytes(box[:4], "big"), box[4:8]
            if length == 1 and len(box) == 16:
                length = int.from_bytes(box[8:16], "big")
            if kind == b"moov":
                return False
            if length < 8:
                return True
            pos += length
        return True


def _video_stream(
    container: av.container.InputContainer, path: Path
) -> av.video.stream.VideoStream:
    videos = list(container.streams.video)
    fmt = container.format.name.split(",")[0]
    if not videos:
        has_audio = bool(container.streams.audio)
        container.close()
        if has_audio:
            raise InputError(f"{path} has audio only, no video stream",
                             hint="shot detection needs a video; use `reelforge songs` for audio")
        raise InputError(f"{path} has no video stream (container: {fmt})",
                         hint="use a video file such as MP4, MOV, MKV or WebM")
    stream = videos[0]
    ctx = stream.codec_context
    codec_name = ctx.name if ctx is not None else "unknown"
    if ctx is None or not ctx.codec.is_decoder:
        container.close()
        raise InputError(f"{path}: its video codec ({codec_name}) is not supported",
                         hint="convert it, e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`")
    if fmt in IMAGE_FORMATS or (codec_name in IMAGE_CODECS and (stream.frames or 0) <= 1
                                and not _has_second_frame(path)):
        container.close()
        raise InputError(f"{path} is a still image ({codec_name}), not a video",
                         hint="use `reelforge images` for pictures")
    w, h = ctx.width, ctx.height
    if w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        container.close()
        raise InputError(f"{path} declares a {w}x{h} picture, outside what reelforge decodes "
                         f"(up to {MAX_SIDE} px a side, {MAX_PIXELS // 1_000_000} Mpx)",
                         hint="the file is damaged or hostile; re-export it at a normal size")
    return stream


def _has_second_frame(path: Path) -> bool:
    """Whether an image-codec stream (MJPEG, GIF, PNG in MKV...) holds more than one picture.

    Probed on a container of its own, so the caller's demuxing still starts at the beginning.
    """
    count = 0
    with av.open(str(path), mode="r", metadata_errors="ignore") as probe:
        for packet in probe.demux(probe.streams.video[0]):
            count += bool(packet.size)
            if count > 1:
                return True
    return False


def _info(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
          path: Path) -> VideoInfo:
    ctx = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(30)
    fps = float(rate) if rate else 30.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = 0.0
    start = 0.0
    if stream.start_time is not None and stream.time_base is not None:
        start = float(stream.start_time * stream.time_base)
        if container.start_time is not None:
            start -= container.start_time / av.time_base
    w, h = ctx.width, ctx.height
    audio = list(container.streams.audio)
    return VideoInfo(
        path=path,
        container=container.format.name.split(",")[0],
        codec=ctx.name,
        codec_long_name=ctx.codec.long_name,
        profile=ctx.profile,
        pixel_format=ctx.format.name if ctx.format is not None else None,
        width=w,
        height=h,
        coded_width=w,
        coded_height=h,
        rotation=0,
        fps=round(fps, 6),
        declared_frames=int(stream.frames or round(duration * fps)),
        duration_s=round(duration, 6),
        start_s=round(start, 6),
        bit_rate=container.bit_rate or None,
        size_bytes=path.stat().st_size,
        has_audio=bool(audio),
        audio_codec=audio[0].codec_context.name if audio and audio[0].codec_context else None,
    )


class _Rotation(TypedDict):
    """The VideoInfo fields a frame's display matrix decides (typed for ``replace(**...)``)."""

    rotation: int
    width: int
    height: int


def _rotated(info: VideoInfo, frame_ccw: int) -> _Rotation:
    """Display rotation (clockwise degrees) and displayed size, from a frame's display matrix."""
    rotation = round(-float(frame_ccw or 0) / 90.0) * 90 % 360
    w, h = info.coded_width, info.coded_height
    dw, dh = (h, w) if (rotation // 90) % 2 else (w, h)
    return {"rotation": rotation, "width": dw, "height": dh}


def _quarter_turns(rotation_cw: int) -> int:
    """np.rot90 turns (counter-clockwise) that display a frame rotated ``rotation_cw`` clockwise."""
    return (-(rotation_cw // 90)) % 4


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
