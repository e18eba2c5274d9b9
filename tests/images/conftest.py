"""Small pictures with known properties, made at run time in tmp_path."""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A textured, photo-like picture that differs from every other seed."""
    rng = random.Random(seed)
    w, h = size
    ramp = np.linspace(0, 1, h)[:, None, None]
    top = np.array([rng.randint(0, 255) for _ in range(3)])
    bottom = np.array([rng.randint(0, 255) for _ in range(3)])
    base = (top * (1 - ramp) + bottom * ramp) * np.ones((1, w, 1))
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x0, y0 = rng.randint(-40, w), rng.randint(-40, h)
        box = (x0, y0, x0 + rng.randint(20, w // 2), y0 + rng.randint(20, h // 2))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    noise = np.random.default_rng(seed).normal(0, 3, (h, w, 1))
    return Image.fromarray((np.asarray(image) + noise).clip(0, 255).astype(np.uint8))


def blocks(colors: list[tuple[int, int, int]], shares: list[float],
           size: tuple[int, int] = (200, 100)) -> Image.Image:
    """Vertical bands of flat colour with the given area shares."""
    w, h = size
    arr = np.zeros((h, w, 3), dtype=np.uint8)
    x = 0
    for color, share in zip(colors, shares, strict=True):
        width = round(w * share)
        arr[:, x : x + width] = color
        x += width
    arr[:, x:] = colors[-1]
    return Image.fromarray(arr)


def bomb_png(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims an enormous size (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 16
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 4)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def blurred(image: Image.Image, radius: float = 3.0) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


@pytest.fixture
def save(tmp_path: Path) -> Callable[..., Path]:
    """save(image, "name.jpg", **pillow_options) → path in a fresh pictures folder."""
    folder = tmp_path / "pictures"
    folder.mkdir(exist_ok=True)

    def _save(image: Image.Image, name: str, **options: object) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, **options)
        return path

    return _save
