"""Videos made of real photographs (scikit-image's sample photos) with known shot boundaries.

Each shot is a camera moving over a real photograph: a window that pans and zooms slowly, with
sensor noise and a little handheld shake, at any frame rate. Consecutive shots can show the same
photograph (a jump cut: another part, another zoom) or two photographs brought to the same tone
(same mean brightness) — the cuts a content-change detector finds hardest, and the ones the
textured canvases of ``synth`` never make. The joins (cuts, dissolves, fades through black) and
the truth come from ``synth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

try:  # as part of the tests package, or from bench/ with tests/video on sys.path
    from .synth import Join, Truth, make_video
except ImportError:
    from synth import Join, Truth, make_video  # type: ignore[no-redef]

#: Sample photographs of scenes scikit-image ships inside its wheel (no download). Its texture
#: samples (brick, grass, gravel) are left out: two of them toned alike are the same grey at a
#: detector's 60x34 pixels, so a dissolve between them is invisible to any such detector.
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins",
          "immunohistochemistry", "retina", "moon", "page", "text")


@cache
def photo(name: str) -> np.ndarray:
    """The photograph as (h, w, 3) uint8 RGB (grey ones repeated on three channels)."""
    import skimage.data

    img = np.asarray(getattr(skimage.data, name)())
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3]).astype(np.uint8)


@dataclass(frozen=True)
class PhotoShot:
    """A camera over ``photo``: the window starts centred on (x, y) (fractions of the photo) at
    ``zoom`` (1 = the largest window of the video's aspect that fits), moves by (pan_x, pan_y)
    photo fractions per second and ends at ``zoom_end``."""

    frames: int
    photo: str
    seed: int = 0
    x: float = 0.5
    y: float = 0.5
    zoom: float = 1.2
    zoom_end: float | None = None
    pan_x: float = 0.03
    pan_y: float = 0.0
    fps: float = 30.0
    noise: float = 2.5  # sensor noise, standard deviation in 8-bit levels
    shake: float = 0.6  # handheld shake, window pixels
    tone: float | None = None  # bring the photo's mean brightness to this (0..255)
    flashes: tuple[int, ...] = ()


def toned(img: np.ndarray, tone: float | None) -> np.ndarray:
    """The photo with its mean brightness moved to ``tone`` (a gain, then a shift if clipped)."""
    if tone is None:
        return img
    f = img.astype(np.float32)
    out = f * (tone / max(float(f.mean()), 1.0))
    out += tone - float(np.clip(out, 0, 255).mean())
    return np.clip(out, 0, 255).astype(np.uint8)


def photo_frames(spec: PhotoShot, width: int, height: int) -> list[np.ndarray]:
    """The frames of one shot, each a sub-pixel crop of the photograph resized to the video."""
    img = Image.fromarray(toned(photo(spec.photo), spec.tone))
    pw, ph = img.size
    aspect = width / height
    full_h = min(ph, pw / aspect)
    rng = np.random.default_rng(spec.seed)
    zoom_end = spec.zoom if spec.zoom_end is None else spec.zoom_end
    frames = []
    for t in range(spec.frames):
        a = t / max(1, spec.frames - 1)
        zoom = spec.zoom + (zoom_end - spec.zoom) * a
        wh = full_h / max(zoom, 1.0)
        ww = wh * aspect
        cx = (spec.x + spec.pan_x * t / spec.fps) * pw + rng.normal(0, spec.shake)
        cy = (spec.y + spec.pan_y * t / spec.fps) * ph + rng.normal(0, spec.shake)
        left = float(np.clip(cx - ww / 2, 0, pw - ww))
        top = float(np.clip(cy - wh / 2, 0, ph - wh))
        frame = img.resize((width, height), Image.BILINEAR,
                           box=(left, top, left + ww, top + wh))
        rgb = np.asarray(frame, dtype=np.float32)
        if spec.noise:
            rgb = rgb + rng.normal(0, spec.noise, rgb.shape)
        frames.append(np.clip(rgb, 0, 255).astype(np.uint8))
    return frames


def make_photo_video(path: Path, shots: list[PhotoShot], joins: list[Join], *, fps: int,
                     width: int = 320, height: int = 180, **encode_options: object) -> Truth:
    """Compose the shots, encode at ``fps`` and return the truth."""
    return make_video(path, shots, joins, width=width, height=height, render=photo_frames,
                      fps=fps, **encode_options)


def hard_reel(fps: int, *, rotate: int = 0) -> tuple[list[PhotoShot], list[Join]]:
    """Eight shots of real photographs joined the ways detectors miss: a jump cut inside one
    photograph, cuts between photographs of the same tone, a shot one second long, dissolves
    of 8 and 12 frames between same-tone shots, a fade through black. ``rotate`` changes which
    photographs play which part, so files at several frame rates are not the same reel."""
    names = list(PHOTOS[rotate % len(PHOTOS):] + PHOTOS[:rotate % len(PHOTOS)])

    def sec(s: float) -> int:
        return max(10, round(s * fps))

    tone = 110.0
    shots = [
        PhotoShot(sec(2.5), names[0], 1, x=0.35, y=0.45, zoom=1.3, pan_x=0.04, fps=fps),
        # the same photograph again: another part, closer (a jump cut)
        PhotoShot(sec(2.0), names[0], 2, x=0.6, y=0.55, zoom=1.9, pan_x=-0.02, fps=fps),
        PhotoShot(sec(2.5), names[1], 3, zoom=1.2, zoom_end=1.5, pan_x=0.0, tone=tone, fps=fps),
        PhotoShot(sec(1.0), names[2], 4, zoom=1.4, pan_x=0.03, tone=tone, fps=fps),
        PhotoShot(sec(2.0), names[3], 5, zoom=1.2, pan_y=0.03, tone=tone, fps=fps),
        PhotoShot(sec(2.5), names[4], 6, zoom=1.1, zoom_end=1.4, pan_x=0.0, tone=tone, fps=fps),
        # between an 8- and a 12-frame dissolve: shown alone for 1 s even at 10 fps
        PhotoShot(sec(3.0), names[5], 7, zoom=1.3, pan_x=-0.03, tone=tone, fps=fps),
        PhotoShot(sec(2.0), names[6], 8, zoom=1.2, pan_x=0.02, tone=tone, fps=fps),
    ]
    joins = [Join("cut"), Join("dissolve", 10), Join("cut"), Join("cut"), Join("fade", 8, 3),
             Join("dissolve", 8), Join("dissolve", 12)]
    return shots, joins
