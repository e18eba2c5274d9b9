"""Opening a video file with PyAV: one clear error for every way a file is not a usable video,
and the facts of its first video stream (``VideoInfo``) as they are displayed.

Display rotation lives in each frame's display matrix, not in the stream header, so the
displayed size is only known after one frame is decoded (``probe_video`` does that; the decoder
applies it to its first frame). A packet the decoder rejects is skipped and counted, never
fatal: ``good_frames`` is that rule, shared by probing and decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TypedDict

import av

from reelforge.errors import InputError, NotFound

#: Largest picture we accept, per side; beyond it a file is hostile or broken.
MAX_SIDE = 16384
MAX_PIXELS = 8192 * 8192
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


class Rotation(TypedDict):
    """The VideoInfo fields a frame's display matrix decides (typed for ``replace(**...)``)."""

    rotation: int
    width: int
    height: int


def probe_video(path: str | Path) -> VideoInfo:
    """Describe the video stream of ``path``, or raise one clear error saying what is wrong."""
    path = Path(path)
    with open_container(path) as container:
        stream = video_stream(container, path)
        info = stream_info(container, stream, path)
        for packet in container.demux(stream):
            frames, _ = good_frames(packet)
            if frames:
                return replace(info, **displayed(info, frames[0].rotation))
    raise undecodable(path)


def undecodable(path: Path) -> InputError:
    """The error for a video whose stream yields no frame at all."""
    return InputError(f"{path}: no frame of its video stream could be decoded",
                      hint="the file is truncated or corrupt; re-export or re-download it")


def good_frames(packet: av.Packet) -> tuple[list[av.VideoFrame], int]:
    """The frames of one packet, and how many the decoder rejected (skipped, never fatal)."""
    try:
        frames = packet.decode()
    except av.error.EOFError:
        return [], 0
    except av.error.FFmpegError:
        return [], 1
    good = [frame for frame in frames if not frame.is_corrupt]
    return good, len(frames) - len(good)


def frames_of(container: av.container.InputContainer,
              stream: av.video.stream.VideoStream) -> Iterator[av.VideoFrame]:
    """Every good frame of ``stream`` in decoding order (rejected ones skipped)."""
    for packet in container.demux(stream):
        yield from good_frames(packet)[0]


def displayed(info: VideoInfo, frame_ccw: int) -> Rotation:
    """Display rotation (clockwise degrees) and displayed size, from a frame's display matrix."""
    rotation = round(-float(frame_ccw or 0) / 90.0) * 90 % 360
    w, h = info.coded_width, info.coded_height
    dw, dh = (h, w) if (rotation // 90) % 2 else (w, h)
    return {"rotation": rotation, "width": dw, "height": dh}


def quarter_turns(rotation_cw: int) -> int:
    """np.rot90 turns (counter-clockwise) that display a frame rotated ``rotation_cw`` clockwise."""
    return (-(rotation_cw // 90)) % 4


def open_container(path: Path) -> av.container.InputContainer:
    """The file opened for reading, or one clear error (missing, a folder, empty, truncated...)."""
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


def video_stream(
    container: av.container.InputContainer, path: Path
) -> av.video.stream.VideoStream:
    """The first video stream, checked: decodable, a video and not a still, of a sane size."""
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


def stream_info(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                path: Path) -> VideoInfo:
    """What the headers say (rotation 0 and coded size until a frame shows its display matrix)."""
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
