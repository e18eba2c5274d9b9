"""Decoding one picture stays under 500 MB (issue 15: a 219 KB PNG of 15000×15000 took a
worker from 0.93 to 3.19 GB). Peak memory is measured in a child process, so nothing else of
the test run is counted."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from reelforge.media.image_files import (
    DEFAULT_MAX_DECODED_BYTES,
    UnreadableImage,
    decode_image,
    decoded_bytes,
)

MEASURE = """
import resource, sys
from pathlib import Path
from reelforge.media.image_files import decode_image
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
decoded = decode_image(Path(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(decoded.width, decoded.height, max(decoded.rgb.shape), (after - before) / 1024)
"""


def solid_png(path: Path, width: int, height: int) -> Path:
    """A real RGB PNG of any size, written row by row (never whole in memory)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    packer = zlib.compressobj(1)
    row = b"\x00" + bytes([40, 120, 200]) * width
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
                     + chunk(b"IEND", b""))
    return path


def peak_mb_of_decoding(path: Path) -> tuple[int, int, int, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                          text=True, timeout=300, check=True)
    width, height, side, peak = done.stdout.split()
    return int(width), int(height), int(side), float(peak)


def test_a_large_png_under_the_byte_budget_decodes_in_under_500_mb(tmp_path: Path) -> None:
    """9000×9000 RGB: 310 MB in Pillow's buffer. Before, the full-size RGB array and its
    copies came on top (about 800 MB); now the picture is reduced before anything is copied."""
    width, height, side, peak = peak_mb_of_decoding(solid_png(tmp_path / "big.png", 9000, 9000))
    assert (width, height) == (9000, 9000) and side <= 1024
    assert peak < 500, f"decoding took {peak:.0f} MB more memory"


def test_a_png_over_the_byte_budget_is_refused_before_decoding(tmp_path: Path) -> None:
    path = solid_png(tmp_path / "wide.png", 12_000, 9_000)  # 108 MP, about 410 MB decoded
    with pytest.raises(UnreadableImage, match=r"takes about \d+ MB.*JPEG"):
        decode_image(path)
    _, _, _, peak = peak_mb_of_decoding(solid_png(tmp_path / "ok.png", 4000, 3000))
    assert peak < 200


def test_decoded_size_counts_pillows_storage_and_conversion_copies() -> None:
    assert decoded_bytes("RGB", (1000, 1000)) == 4_000_000  # Pillow keeps RGB in 4 bytes
    assert decoded_bytes("L", (1000, 1000)) == 1_000_000
    assert decoded_bytes("P", (1000, 1000)) == 5_000_000  # + an RGB(A) copy to reduce it
    assert decoded_bytes("I;16", (1000, 1000)) == 6_000_000
    assert decoded_bytes("RGB", (15_000, 15_000)) > DEFAULT_MAX_DECODED_BYTES
