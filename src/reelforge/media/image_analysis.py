"""What a picture looks like, as numbers: pure functions on decoded RGB arrays (Pillow + numpy).

Every function takes an ``(H, W, 3)`` uint8 RGB array, so a photo and a video keyframe are
described the same way and can be clustered together. Decoding files (formats, EXIF, limits)
lives in ``image_files.py``.

Why a hand-made descriptor: no image–text model (CLIP and kin) is installable offline from PyPI
without torch, so pictures are grouped by what can be measured directly — colour (which hues,
how saturated), tone (how bright, how contrasty), layout (where light and colour sit in the
frame) and texture (how much edge, in which directions). That groups a creator's pictures the
way they are shot (night city, beach, studio portraits, documents) rather than by meaning.
"""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image

#: Long side of the working copy every metric is measured on, so a resized copy scores alike.
WORK_SIZE = 512
#: Side of the square thumbnail the descriptor is computed on.
DESCRIPTOR_SIZE = 64
#: Side of the luma thumbnail kept for near-duplicate confirmation (1 KB per picture).
THUMB_SIZE = 32
HUE_BINS, LUMA_BINS, ORIENTATION_BINS = 12, 8, 8
#: (block, width, weight) of the descriptor, in order. Colour and tone weigh most because they
#: are what makes pictures look alike at a glance; weights are per block, split over its columns.
DESCRIPTOR_BLOCKS = (
    ("hue", HUE_BINS, 2.0), ("luma", LUMA_BINS, 1.0), ("tone", 5, 1.5), ("layout", 16, 1.0),
    ("chroma layout", 8, 1.5), ("edge orientation", ORIENTATION_BINS, 0.5), ("edge amount", 3, 0.5),
)
DESCRIPTOR_DIMS = sum(width for _, width, _ in DESCRIPTOR_BLOCKS)
CLIP_HIGH, CLIP_LOW = 250.0, 5.0
#: Share of clipped pixels above which exposure is called a problem.
CLIP_SHARE = 0.05


@dataclass(frozen=True)
class PaletteColor:
    """One dominant colour and the share of the picture it covers."""

    hex: str
    share: float
    name: str


@dataclass(frozen=True)
class PixelStats:
    """Tone, colour, focus and noise of one picture (all measured on the working copy)."""

    brightness: float  # mean luma, 0..1
    contrast: float  # RMS contrast (std of luma), 0..0.5
    saturation: float  # mean HSV saturation, 0..1
    colorfulness: float  # Hasler–Süsstrunk M, 0 (grey) .. ~150 (vivid)
    sharpness: float  # variance of the Laplacian of luma (0..255 scale); blur lowers it
    noise: float  # Immerkær sigma estimate, luma levels
    clipped_highlights: float  # share of pixels with luma >= 250
    clipped_shadows: float  # share of pixels with luma <= 5
    exposure: list[str]  # problems found: "clipped highlights", "underexposed", ...
    palette: list[PaletteColor]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def validate_rgb(rgb: np.ndarray) -> np.ndarray:
    """Return ``rgb`` as a C-contiguous uint8 (H, W, 3) array or raise ValueError saying why."""
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"expected an (H, W, 3) RGB array, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating) and float(np.nanmax(arr)) <= 1.0:
            arr = arr * 255.0
        arr = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def resized(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """Downscale so the long side is at most ``long_side`` (never upscales)."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32 on the 0..255 scale."""
    f = rgb.astype(np.float32)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def laplacian_variance(y: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: high for crisp edges, low for blur."""
    if min(y.shape) < 3:
        return 0.0
    lap = y[1:-1, :-2] + y[1:-1, 2:] + y[:-2, 1:-1] + y[2:, 1:-1] - 4.0 * y[1:-1, 1:-1]
    return float(lap.var())


def noise_sigma(y: np.ndarray) -> float:
    """Immerkær (1996) fast noise estimate: a Laplacian-difference mask cancels image structure."""
    h, w = y.shape
    if h < 3 or w < 3:
        return 0.0
    c = y[1:-1, 1:-1]
    edges = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:]
    corners = y[:-2, :-2] + y[:-2, 2:] + y[2:, :-2] + y[2:, 2:]
    response = 4.0 * c - 2.0 * edges + corners
    return float(np.sqrt(np.pi / 2.0) * np.abs(response).sum() / (6.0 * (w - 2) * (h - 2)))


def _channel_max_min(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel max and min over R, G, B (channel-wise ops are far faster than axis=2)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)


def saturation_map(rgb: np.ndarray) -> np.ndarray:
    """HSV saturation per pixel, 0..1."""
    mx, mn = _channel_max_min(rgb)
    mxf = mx.astype(np.float32)
    return (mxf - mn) / np.maximum(mxf, 1.0)


def hue_map(rgb: np.ndarray) -> np.ndarray:
    """HSV hue per pixel in [0, 1) (0 = red); undefined (grey) pixels get 0."""
    f = rgb.astype(np.float32) / 255.0
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    mx, mn = _channel_max_min(f)
    delta = mx - mn
    safe = np.maximum(delta, 1e-6)
    h = np.where(mx == r, ((g - b) / safe) % 6.0, np.where(mx == g, (b - r) / safe + 2.0,
                                                          (r - g) / safe + 4.0))
    return np.where(delta > 1e-6, h / 6.0, 0.0).astype(np.float32) % 1.0


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M: ~0 grey, ~33 moderate, >100 extremely vivid."""
    f = rgb.astype(np.float32)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def color_name(r: int, g: int, b: int) -> str:
    """A plain English name for an sRGB colour (coarse on purpose: it names clusters)."""
    h, s, v = colorsys.rgb_to_hsv(r / 255.0, g / 255.0, b / 255.0)
    if v < 0.18:
        return "black"
    if s < 0.18:
        return "white" if v > 0.85 else "grey"
    deg = h * 360.0
    if deg < 15 or deg >= 340:
        name = "red"
    elif deg < 45:
        name = "orange"
    elif deg < 70:
        name = "yellow"
    elif deg < 165:
        name = "green"
    elif deg < 200:
        name = "cyan"
    elif deg < 260:
        name = "blue"
    elif deg < 300:
        name = "purple"
    else:
        name = "pink"
    if name in ("orange", "red") and v < 0.55:
        return "brown"
    return name


def dominant_palette(rgb: np.ndarray, colors: int = 5) -> list[PaletteColor]:
    """The colours that cover most of the picture (median cut on a small copy), biggest first."""
    small = Image.fromarray(resized(rgb, 64))
    quantized = small.quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    palette: list[int] = list(quantized.getpalette() or [])
    counts: list[tuple[int, int]] = list(quantized.getcolors() or [])  # type: ignore[arg-type]
    total = float(small.width * small.height)
    found: list[PaletteColor] = []
    for count, index in sorted(counts, key=lambda c: -c[0]):
        r, g, b = palette[3 * index : 3 * index + 3]
        found.append(PaletteColor(f"#{r:02x}{g:02x}{b:02x}", round(count / total, 4),
                                  color_name(r, g, b)))
    return found


def exposure_problems(brightness: float, highlights: float, shadows: float) -> list[str]:
    """Name what is wrong with the exposure, if anything (empty list = fine)."""
    problems = []
    if highlights > CLIP_SHARE:
        problems.append("clipped highlights")
    if shadows > CLIP_SHARE:
        problems.append("clipped shadows")
    if brightness > 0.8:
        problems.append("overexposed")
    elif brightness < 0.15:
        problems.append("underexposed")
    return problems


def pixel_stats(rgb: np.ndarray) -> PixelStats:
    """Measure tone, colour, sharpness, noise, exposure and palette of one picture."""
    work = resized(validate_rgb(rgb), WORK_SIZE)
    y = luma(work)
    highlights = float(np.mean(y >= CLIP_HIGH))
    shadows = float(np.mean(y <= CLIP_LOW))
    brightness = float(y.mean() / 255.0)
    return PixelStats(
        brightness=round(brightness, 4),
        contrast=round(float(y.std() / 255.0), 4),
        saturation=round(float(saturation_map(work).mean()), 4),
        colorfulness=round(colorfulness(resized(work, 256)), 2),  # a statistic: 256 px is plenty
        sharpness=round(laplacian_variance(y), 2),
        noise=round(noise_sigma(y), 3),
        clipped_highlights=round(highlights, 4),
        clipped_shadows=round(shadows, 4),
        exposure=exposure_problems(brightness, highlights, shadows),
        palette=dominant_palette(work),
    )


def perceptual_hashes(rgb: np.ndarray) -> dict[str, str]:
    """64-bit pHash and dHash as hex strings (robust to resize, recompression, mild edits)."""
    import imagehash

    image = Image.fromarray(resized(validate_rgb(rgb), 128))  # imagehash shrinks to 32×32 anyway
    return {"phash": str(imagehash.phash(image)), "dhash": str(imagehash.dhash(image))}


def luma_thumbnail(rgb: np.ndarray, side: int = THUMB_SIZE) -> np.ndarray:
    """A square uint8 luma copy (squashed): what near-duplicate checks align and compare."""
    image = Image.fromarray(validate_rgb(rgb)).convert("L")
    return np.asarray(image.resize((side, side), Image.Resampling.BOX))


def aspect_class(width: int, height: int) -> str:
    """square, landscape, portrait, panorama (≥ 2:1) or tall (≤ 1:2)."""
    ratio = width / max(height, 1)
    if ratio >= 2.0:
        return "panorama"
    if ratio >= 1.15:
        return "landscape"
    if ratio <= 0.5:
        return "tall"
    if ratio <= 1 / 1.15:
        return "portrait"
    return "square"


def descriptor_weights() -> np.ndarray:
    """Column weights for ``cluster_descriptors``: each block's weight spread over its columns."""
    return np.concatenate(
        [np.full(width, weight / np.sqrt(width)) for _, width, weight in DESCRIPTOR_BLOCKS]
    )


def describe_image(rgb: np.ndarray) -> np.ndarray:
    """A compact visual descriptor (float32, ``DESCRIPTOR_DIMS`` long) for clustering and dedupe.

    Blocks: saturation-weighted hue histogram (12), luma histogram (8), global tone/colour
    (5: mean/std luma, mean/std saturation, colourfulness), layout (4×4 luma grid, 2×2 grid of
    red–green and yellow–blue opponents: 24), edge-orientation histogram (8) and edge amount
    (3). Computed on a 64×64 copy, so it is cheap and insensitive to resolution and JPEG noise.
    """
    arr = validate_rgb(rgb)
    small = np.asarray(
        Image.fromarray(arr).resize((DESCRIPTOR_SIZE, DESCRIPTOR_SIZE), Image.Resampling.BOX)
    )
    f = small.astype(np.float32) / 255.0
    y = luma(small) / 255.0
    sat = saturation_map(small)
    hue = hue_map(small)
    weight = sat * _channel_max_min(f)[0]
    n = float(y.size)

    hue_hist = np.bincount(np.minimum((hue * HUE_BINS).astype(np.int64), HUE_BINS - 1).ravel(),
                           weights=weight.ravel(), minlength=HUE_BINS) / n
    luma_hist = np.bincount(np.minimum((y * LUMA_BINS).astype(np.int64), LUMA_BINS - 1).ravel(),
                            minlength=LUMA_BINS) / n
    tone = np.array([y.mean(), y.std(), sat.mean(), sat.std(), colorfulness(small) / 100.0])

    grid = y.reshape(4, DESCRIPTOR_SIZE // 4, 4, DESCRIPTOR_SIZE // 4).mean(axis=(1, 3)).ravel()
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    half = DESCRIPTOR_SIZE // 2
    chroma = np.concatenate(
        [c.reshape(2, half, 2, half).mean(axis=(1, 3)).ravel() for c in (rg, yb)]
    )

    gy, gx = np.gradient(y)
    magnitude = np.hypot(gx, gy)
    angle = (np.arctan2(gy, gx) % np.pi) / np.pi
    total = float(magnitude.sum()) or 1.0
    orientation = np.bincount(
        np.minimum((angle * ORIENTATION_BINS).astype(np.int64), ORIENTATION_BINS - 1).ravel(),
        weights=magnitude.ravel(), minlength=ORIENTATION_BINS) / total
    texture = np.array([
        float(np.mean(magnitude > 0.05)),
        float(np.log1p(magnitude.mean() * 100.0)),
        float(np.log1p(laplacian_variance(y * 255.0)) / 10.0),
    ])
    return np.concatenate(
        [hue_hist, luma_hist, tone, grid, chroma, orientation, texture]
    ).astype(np.float32)
