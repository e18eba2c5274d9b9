"""Synthetic videos with known shot boundaries, for the tests and for ``bench/shots.py``.

Each shot is a crop moving over its own random textured canvas (smooth colour fields, edges,
a moving object), so consecutive shots differ the way real footage does and motion is real
motion. Transitions between shots are hard cuts, fades through black or dissolves of a given
length; flashes brighten a few frames inside a shot. The truth (which frame starts which shot,
which frames belong to a transition) is returned next to the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class ShotSpec:
    """A shot: ``frames`` long, panning by (vx, vy) canvas pixels per frame."""

    frames: int
    seed: int
    vx: float = 0.5
    vy: float = 0.0
    flashes: tuple[int, ...] = ()  # local frame numbers where a 3-frame flash begins


@dataclass(frozen=True)
class Join:
    """How one shot turns into the next: "cut", "fade" (out, black hold, in) or "dissolve"."""

    kind: str = "cut"
    length: int = 0
    hold: int = 0


@dataclass
class Truth:
    """Ground truth of a generated file."""

    frames: int
    # (kind, cut_frame, start_frame, end_frame): end exclusive; for a cut start == cut_frame
    transitions: list[tuple[str, int, int, int]] = field(default_factory=list)
    flashes: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    @property
    def cuts(self) -> list[int]:
        return [t[1] for t in self.transitions]


def canvas(seed: int, width: int, height: int) -> np.ndarray:
    """A random picture with smooth colour fields, mid-size detail and sharp shapes."""
    rng = np.random.default_rng(seed)
    low = Image.fromarray(rng.integers(0, 256, (3, 4, 3), dtype=np.uint8))
    mid = Image.fromarray(rng.integers(0, 256, (max(2, height // 24), max(2, width // 24), 3),
                                       dtype=np.uint8))
    pic = (0.55 * np.asarray(low.resize((width, height), Image.BICUBIC), dtype=np.float32)
           + 0.45 * np.asarray(mid.resize((width, height), Image.BICUBIC), dtype=np.float32))
    img = Image.fromarray(np.clip(pic, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(width // 20 + 2, width // 5 + 3)), int(
            rng.integers(height // 20 + 2, height // 5 + 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
    return np.asarray(img)


def shot_frames(spec: ShotSpec, width: int, height: int) -> list[np.ndarray]:
    """The frames of one shot: a window panning over the canvas, and a moving square."""
    span_x = int(abs(spec.vx) * spec.frames) + 8
    span_y = int(abs(spec.vy) * spec.frames) + 8
    big = canvas(spec.seed, width + span_x, height + span_y)
    rng = np.random.default_rng(spec.seed + 1)
    colour = rng.integers(0, 256, 3).astype(np.uint8)
    side = max(4, min(width, height) // 6)
    frames = []
    for t in range(spec.frames):
        x = round(t * spec.vx) if spec.vx >= 0 else span_x - 8 + round(t * spec.vx)
        y = round(t * spec.vy) if spec.vy >= 0 else span_y - 8 + round(t * spec.vy)
        frame = big[y:y + height, x:x + width].copy()
        ox = int((t * 3) % max(1, width - side))
        oy = int(height // 3 + (height // 4) * np.sin(t / 9.0))
        frame[oy:oy + side, ox:ox + side] = colour
        frames.append(frame)
    for start in spec.flashes:
        for k, strength in enumerate((0.85, 0.55, 0.25)):
            if start + k < len(frames):
                f = frames[start + k].astype(np.float32)
                frames[start + k] = (f * (1 - strength) + 255 * strength).astype(np.uint8)
    return frames


def compose(shots: Sequence[Any], joins: list[Join], width: int, height: int,
            render: Callable[[Any, int, int], list[np.ndarray]] = shot_frames,
            ) -> tuple[list[np.ndarray], Truth]:
    """All frames of the video and its truth; ``joins[i]`` links shot i and shot i+1.

    ``render`` makes one shot's frames (any spec with ``frames`` and ``flashes``): the textured
    canvases here, or real photographs (``photo_synth``)."""
    assert len(joins) == len(shots) - 1
    out: list[np.ndarray] = []
    truth = Truth(frames=0)
    pending: list[np.ndarray] = render(shots[0], width, height)
    offset_flashes = [f for f in shots[0].flashes]
    truth.flashes.extend(offset_flashes)
    for spec, join in zip(shots[1:], joins, strict=True):
        nxt = render(spec, width, height)
        base = len(out)
        if join.kind == "cut":
            out.extend(pending)
            cut = len(out)
            truth.transitions.append(("cut", cut, cut, cut + 1))
            truth.flashes.extend(cut + f for f in spec.flashes)
            pending = nxt
        elif join.kind == "dissolve":
            n = join.length
            out.extend(pending[:-n])
            start = len(out)
            for k in range(n):
                a = (k + 1) / (n + 1)
                mix = (1 - a) * pending[len(pending) - n + k].astype(np.float32) + a * nxt[k]
                out.append(mix.astype(np.uint8))
            truth.transitions.append(("dissolve", start + n // 2, start, start + n))
            truth.flashes.extend(start + f for f in spec.flashes if f >= n)
            pending = nxt[n:]
        elif join.kind == "fade":
            n = join.length
            out.extend(pending[:-n])
            start = len(out)
            for k in range(n):
                out.append((pending[len(pending) - n + k] * (1 - (k + 1) / n)).astype(np.uint8))
            out.extend(np.zeros_like(nxt[0]) for _ in range(join.hold))
            for k in range(n):
                out.append((nxt[k] * ((k + 1) / (n + 1))).astype(np.uint8))
            end = len(out)
            truth.transitions.append(("fade", (start + end) // 2, start, end))
            truth.flashes.extend(len(out) - n + f for f in spec.flashes if f >= n)
            pending = nxt[n:]
        else:
            raise ValueError(join.kind)
        del base
    out.extend(pending)
    truth.frames = len(out)
    return out, truth


def encode(frames: list[np.ndarray], path: Path, *, fps: int = 30, codec: str = "libx264",
           vfr: bool = False, bframes: int = 3, preset: str = "veryfast", crf: int = 20,
           keyint: int = 250, x264_params: str = "") -> list[float]:
    """Write frames to ``path``; with ``vfr`` frame durations alternate irregularly.

    Returns each frame's presentation time in seconds.
    """
    height, width = frames[0].shape[:2]
    times: list[float] = []
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p" if codec != "mjpeg" else "yuvj420p"
        if codec == "libx264":
            stream.options = {"preset": preset, "crf": str(crf), "bf": str(bframes),
                              "g": str(keyint)}
            if x264_params:
                stream.options = {**stream.options, "x264-params": x264_params}
        if vfr:
            stream.time_base = Fraction(1, 1000)
            stream.codec_context.time_base = Fraction(1, 1000)
        rng = np.random.default_rng(7)
        pts = 0
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            if vfr:
                frame.pts = pts
                frame.time_base = Fraction(1, 1000)
                times.append(pts / 1000)
                pts += int(rng.choice([25, 33, 40, 50]))
            else:
                frame.pts = i
                times.append(i / fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return times


def make_video(path: Path, shots: Sequence[Any], joins: list[Join], *, width: int = 160,
               height: int = 96,
               render: Callable[[Any, int, int], list[np.ndarray]] = shot_frames,
               **encode_options: object) -> Truth:
    """Compose, encode and return the truth of one synthetic video."""
    frames, truth = compose(shots, joins, width, height, render)
    truth.times = encode(frames, path, **encode_options)  # type: ignore[arg-type]
    return truth
