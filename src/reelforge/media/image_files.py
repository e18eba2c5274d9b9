"""Picture files → upright 8-bit RGB arrays plus what the file says about itself (EXIF).

Decoding is where bad input shows up (corrupt, truncated, bombs, odd modes, formats without a
decoder), so every failure here becomes an ``UnreadableImage`` with a reason a person can act
on; the batch layer records it and moves on. JPEGs are decoded with Pillow's draft mode (the
libjpeg DCT scaler) straight to about the working size, which is most of the speed.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from reelforge.media.image_analysis import (
    THUMB_SIZE,
    WORK_SIZE,
    PaletteColor,
    PixelStats,
    aspect_class,
    describe_image,
    luma_thumbnail,
    perceptual_hashes,
    pixel_stats,
    resized,
)

#: Biggest picture we decode, in pixels. A 250 MP panorama is plausible; more is a bomb.
DEFAULT_MAX_PIXELS = 250_000_000
#: Most memory Pillow may hold for one decoded picture. A picture's pixel count alone does not
#: bound it (a 219 KB PNG of 15000×15000 took 2.3 GB to analyse); JPEGs decode at a reduced
#: size (draft), others are refused above this before any pixel is decoded.
DEFAULT_MAX_DECODED_BYTES = 384 * 1024 * 1024
#: Bytes per pixel Pillow stores, by mode; every mode of several bands takes 4.
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
#: Modes ``Image.reduce`` works on; the others are converted first (one full-size copy more).
_REDUCIBLE = frozenset({"L", "LA", "La", "RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "LAB",
                        "HSV", "I", "F"})
# Pillow's own guard warns above MAX_IMAGE_PIXELS and refuses above twice that; we set it to our
# limit on purpose and also check the header ourselves before decoding (see ``decode_image``).
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
# A truncated file must be reported, not silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".avif",
    ".heic", ".heif",
})
RAW_SUFFIXES = frozenset({
    ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".orf", ".rw2",
    ".pef", ".srw", ".x3f", ".3fr", ".iiq",
})
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis")
ANALYSIS_VERSION = "1"
#: Long side of the preview JPEG kept for reports.
PREVIEW_SIDE = 240

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class UnreadableImage(Exception):
    """This file cannot be analysed; ``reason`` says why and what to do.

    ``plain`` is the reason without advice for the command line (``cli_hint``, e.g. a flag),
    for interfaces where that advice means nothing (the API)."""

    def __init__(self, reason: str, *, cli_hint: str | None = None) -> None:
        full = f"{reason} — {cli_hint}" if cli_hint else reason
        super().__init__(full)
        self.reason = full
        self.plain = reason


def decoded_bytes(mode: str, size: tuple[int, int]) -> int:
    """About how much memory decoding a picture of this mode and size takes (Pillow's buffer,
    plus the full-size copy of a mode that must be converted before it can be reduced)."""
    pixels = size[0] * size[1]
    copy = 0 if mode in _REDUCIBLE else 4 * pixels
    return pixels * _STORED_BYTES.get(mode, 4) + copy


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB copy (about working size) plus the file's own facts."""

    rgb: np.ndarray
    format: str
    mode: str
    width: int  # full-resolution size, upright
    height: int
    bit_depth: int
    has_alpha: bool
    orientation: int
    camera: str | None
    captured_at: str | None
    has_gps: bool
    gps: dict[str, float] | None


@dataclass(frozen=True)
class ImageAnalysis:
    """Everything reelforge knows about one picture file."""

    path: str
    file_size: int
    format: str
    mode: str
    width: int
    height: int
    bit_depth: int
    has_alpha: bool
    aspect: str
    orientation: int
    camera: str | None
    captured_at: str | None
    has_gps: bool
    pixels: PixelStats
    phash: str
    dhash: str
    descriptor: list[float] = field(repr=False)
    thumb: str = field(default="", repr=False)  # base64 of the 32×32 luma thumbnail
    gps: dict[str, float] | None = None

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    def thumbnail(self) -> np.ndarray:
        """The 32×32 luma thumbnail as a uint8 array."""
        side = THUMB_SIZE
        return np.frombuffer(base64.b64decode(self.thumb), dtype=np.uint8).reshape(side, side)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["gps"] is None:
            del data["gps"]  # never written unless the user asked for GPS values
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageAnalysis:
        values = dict(data)
        pixels = dict(values.pop("pixels"))
        pixels["palette"] = [PaletteColor(**c) for c in pixels["palette"]]
        return cls(pixels=PixelStats(**pixels), **values)


def analyze_file(
    path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, include_gps: bool = False,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> ImageAnalysis:
    """Decode and analyse one picture; raises ``UnreadableImage`` with the reason it was skipped."""
    return analyze_decoded(path, decode_image(path, max_pixels=max_pixels, include_gps=include_gps,
                                              max_decoded_bytes=max_decoded_bytes))


def analyze_decoded(path: Path, decoded: DecodedImage) -> ImageAnalysis:
    """Analyse a picture already decoded by ``decode_image`` (so a preview can share the decode)."""
    hashes = perceptual_hashes(decoded.rgb)
    descriptor = describe_image(decoded.rgb)
    return ImageAnalysis(
        path=str(path),
        file_size=path.stat().st_size,
        format=decoded.format,
        mode=decoded.mode,
        width=decoded.width,
        height=decoded.height,
        bit_depth=decoded.bit_depth,
        has_alpha=decoded.has_alpha,
        aspect=aspect_class(decoded.width, decoded.height),
        orientation=decoded.orientation,
        camera=decoded.camera,
        captured_at=decoded.captured_at,
        has_gps=decoded.has_gps,
        pixels=pixel_stats(decoded.rgb),
        phash=hashes["phash"],
        dhash=hashes["dhash"],
        descriptor=[round(float(v), 5) for v in descriptor],
        thumb=base64.b64encode(luma_thumbnail(decoded.rgb).tobytes()).decode("ascii"),
        gps=decoded.gps,
    )


def preview_jpeg(rgb: np.ndarray, side: int = PREVIEW_SIDE) -> bytes:
    """A small JPEG of an upright RGB array, for reports (a few KB)."""
    buffer = io.BytesIO()
    Image.fromarray(resized(rgb, side)).save(buffer, format="JPEG", quality=78, optimize=True)
    return buffer.getvalue()


def decode_image(
    path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, include_gps: bool = False,
    work_size: int = WORK_SIZE, max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> DecodedImage:
    """Open ``path`` safely and return an upright RGB copy no smaller than needed for analysis."""
    suffix = path.suffix.lower()
    if suffix in RAW_SUFFIXES:
        raise UnreadableImage(
            f"camera RAW file ({suffix}) and no RAW decoder is installed — "
            "export it as JPEG or TIFF"
        )
    # Pillow refuses pictures over twice this and warns over it (turned into an error below).
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return _decode_open(im, path, max_pixels, include_gps, work_size,
                                    max_decoded_bytes)
    except UnreadableImage:
        raise
    except PermissionError:
        raise UnreadableImage("permission denied — make the file readable (chmod +r)") from None
    except FileNotFoundError:
        raise UnreadableImage("the file disappeared while the run was going on") from None
    except IsADirectoryError:
        raise UnreadableImage("this is a folder with a picture's name, not a file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableImage(
            f"decompression-bomb guard: {exc} (limit {max_pixels / 1e6:.3g} MP)",
            cli_hint=MEGAPIXELS_HINT) from None
    except UnidentifiedImageError:
        raise UnreadableImage(_unidentified_reason(path)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text:
            raise UnreadableImage(f"truncated file — the image data ends early ({text})") from None
        raise UnreadableImage(f"corrupt image data ({text})") from None
    except MemoryError:
        raise UnreadableImage("not enough memory to decode this picture") from None


MEGAPIXELS_HINT = "raise --max-megapixels if the picture is genuine"


def _decode_open(
    im: Image.Image, path: Path, max_pixels: int, include_gps: bool, work_size: int,
    max_decoded_bytes: int,
) -> DecodedImage:
    width, height = im.size
    if width * height > max_pixels:
        raise UnreadableImage(
            f"decompression-bomb guard: {width}×{height} = {width * height / 1e6:.3g} MP exceeds "
            f"the {max_pixels / 1e6:.3g} MP limit", cli_hint=MEGAPIXELS_HINT)
    fmt, mode = im.format or path.suffix.lstrip(".").upper(), im.mode
    exif = _exif_facts(im, include_gps)
    if fmt in ("JPEG", "MPO"):  # MPO: the multi-picture JPEG some phones and cameras write
        # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding, keeping the long side >= 3/4 of
        # the working size: a 12 MP photo decodes at 1/8 (500×375) several times faster.
        scale = 0.75 * work_size / max(width, height)
        im.draft("RGB", (max(1, round(im.width * scale)), max(1, round(im.height * scale))))
    need = decoded_bytes(im.mode, im.size)  # after the draft: what will really be decoded
    if need > max_decoded_bytes:
        raise UnreadableImage(
            f"decoding this {width}×{height} {fmt} picture takes about {need / 2**20:.0f} MB, "
            f"over the {max_decoded_bytes / 2**20:.0f} MB limit for one picture — "
            "send it as a JPEG, or smaller")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in im.info)
    im.load()
    im = _reduced(im, work_size, has_alpha)  # before any copy of the full-size picture
    rgb, bit_depth = _to_rgb8(im, mode, has_alpha)
    rgb = resized(rgb, work_size)
    orientation = exif["orientation"]
    if orientation in _TRANSPOSE:
        rgb = np.asarray(Image.fromarray(rgb).transpose(_TRANSPOSE[orientation]))
        if orientation >= 5:
            width, height = height, width
    return DecodedImage(rgb=rgb, format=fmt, mode=mode, width=width, height=height,
                        bit_depth=bit_depth, has_alpha=has_alpha, **exif)


def _reduced(im: Image.Image, work_size: int, has_alpha: bool) -> Image.Image:
    """A box-filtered copy whose long side is still at least ``work_size`` (the picture itself
    when it is small already), so no full-size copy is ever made after decoding."""
    factor = max(im.size) // work_size
    if factor < 2:
        return im
    if im.mode not in _REDUCIBLE:  # palettes and bilevel cannot be averaged; 16-bit grey too
        im = im.convert("I" if im.mode.startswith("I;16") else
                        "RGBA" if has_alpha else "L" if im.mode == "1" else "RGB")
    return im.reduce(factor)


def _to_rgb8(im: Image.Image, mode: str, has_alpha: bool) -> tuple[np.ndarray, int]:
    """Any Pillow mode → 8-bit RGB and the file's bit depth; alpha is composited on white,
    deep images are rescaled. ``mode`` is the file's own (``im`` may be a reduced copy)."""
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") else max(float(np.nanmax(arr)), 1.0)
        if mode == "I" and top <= 65535.0:
            top = 65535.0 if float(np.nanmax(arr)) > 255.0 else 255.0
        if mode == "F" and top <= 1.0:
            top = 1.0
        gray = np.clip(np.nan_to_num(arr) / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2), 16 if mode.startswith("I;16") else 32
    if has_alpha:
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    rgb = im if im.mode == "RGB" else im.convert("RGB")
    return np.asarray(rgb), 1 if mode == "1" else 8


def _exif_facts(im: Image.Image, include_gps: bool) -> dict[str, Any]:
    """Orientation, camera, capture time and GPS presence; broken EXIF counts as absent."""
    facts: dict[str, Any] = {"orientation": 1, "camera": None, "captured_at": None,
                             "has_gps": False, "gps": None}
    try:
        exif = im.getexif()
        orientation = int(exif.get(0x0112, 1) or 1)
        facts["orientation"] = orientation if 1 <= orientation <= 8 else 1
        make = _text(exif.get(0x010F))
        model = _text(exif.get(0x0110))
        if model and make and model.lower().startswith(make.lower()):
            make = None
        facts["camera"] = " ".join(p for p in (make, model) if p) or None
        when = _text(exif.get_ifd(0x8769).get(0x9003)) or _text(exif.get(0x0132))
        facts["captured_at"] = _iso_time(when)
        gps = exif.get_ifd(0x8825)
        facts["has_gps"] = bool(gps.get(2) and gps.get(4))
        if include_gps and facts["has_gps"]:
            facts["gps"] = {"latitude": _degrees(gps[2], gps.get(1)),
                            "longitude": _degrees(gps[4], gps.get(3))}
    except Exception:  # malformed EXIF must not cost the picture its analysis
        return facts
    return facts


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _iso_time(value: str | None) -> str | None:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` → ISO 8601, or None when it is not a real date."""
    if not value or len(value) < 19:
        return None
    from datetime import datetime

    try:
        return datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def _degrees(dms: Any, ref: Any) -> float:
    d, m, s = (float(v) for v in dms)
    value = d + m / 60.0 + s / 3600.0
    return round(-value if _text(ref) in ("S", "W") else value, 6)


def _unidentified_reason(path: Path) -> str:
    """Why Pillow did not recognise the file: empty, HEIF without a decoder, or not an image."""
    try:
        head = path.read_bytes()[:32] if path.stat().st_size else b""
    except OSError:
        head = b""
    if not head:
        return "empty file (0 bytes)"
    suffix = path.suffix.lower()
    if suffix in (".heic", ".heif") or (head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS):
        return "HEIC/HEIF picture and no HEIF decoder is installed — pip install pillow-heif"
    return "not a recognised image, or the file is corrupt"


def _register_optional_decoders() -> bool:
    """Use pillow-heif for HEIC/HEIF when the user installed it (it is not a dependency)."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


_HEIF = _register_optional_decoders()


def heif_decoder_installed() -> bool:
    """True when HEIC/HEIF pictures can be decoded (pillow-heif is installed)."""
    return _HEIF
