"""Near-duplicate groups: the same picture resized, recompressed, lightly cropped or re-exposed.

Two ways find candidate pairs, then one test confirms them:
  * pHash multi-index: the 64-bit hash is cut into four 16-bit pieces; two hashes within
    Hamming distance 3 share at least one piece exactly (pigeonhole), so exact-piece buckets
    find resized and recompressed copies without comparing all pairs; the full distance is
    then checked against ``hash_radius``.
  * nearest neighbours on an 8×8 luma grid normalised to zero mean and unit length: brightness
    and contrast changes cancel, and crops or small rotations move it little, where they flip
    a third of the hash bits.
A candidate pair is confirmed when its 16×16 luma thumbnails correlate (NCC ≥ ``min_ncc``) at
the best of a few crop alignments (≤ 10 % per side) and its colours agree. Confirmed pairs are
joined into groups; each group suggests a keeper: the largest picture, then the best looking
(``picture_quality``: detail and exposure).

This is reelforge's one definition of a duplicate: `reelforge images dedupe` and the studio's
library page both call ``find_duplicate_groups``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache

import numpy as np

from reelforge.media.clustering import single_threaded
from reelforge.media.image_analysis import HUE_BINS, PixelStats
from reelforge.media.image_files import ImageAnalysis

#: Hamming distance below which a pHash multi-index hit counts as a candidate.
HASH_RADIUS = 10
#: Neighbours of each picture on the normalised luma grid that become candidates.
NEIGHBOURS = 8
#: Cosine on the 8×8 grid below which a neighbour is not even a candidate.
MIN_GRID_COSINE = 0.7
#: Normalised cross-correlation of aligned 16×16 thumbnails that confirms a pair.
MIN_NCC = 0.9
#: Largest circular earth-mover distance between hue histograms of a pair, in 30° bins.
MAX_HUE_SHIFT = 1.5
#: Crop fractions tried when aligning two thumbnails (the copy may lack up to 10 % per side).
CROP_SCALES = (1.0, 0.95, 0.9)
SAMPLE = 16
#: Pictures whose aligned crops are kept in memory at once (50 KB each).
WINDOW_CACHE = 2048
#: Thumbnails with less luma spread than this (levels) are flat: compared by tone, not shape.
FLAT_STD = 2.0
FLAT_TONE = 12.0
#: A copy must look this much better (ratio of ``picture_quality``) to be kept for it.
CLEARLY_BETTER = 1.1
#: Mean luma above which brightening a picture no longer shows more of it.
MID_GREY = 0.5
#: Mean luma below / above which a picture is under- / overexposed (as in image_analysis).
UNDEREXPOSED, OVEREXPOSED = 0.15, 0.8
#: Exposure weight lost per unit share of clipped pixels (10 % clipped: 0.8).
CLIPPED_COST = 2.0
MIN_EXPOSURE_WEIGHT = 0.05


@dataclass(frozen=True)
class DuplicateGroup:
    """Pictures that are one picture; ``members[0]`` is the suggested keeper."""

    members: list[ImageAnalysis]
    similarity: float  # lowest confirmed NCC inside the group, 0..1

    @property
    def keeper(self) -> ImageAnalysis:
        return self.members[0]

    @property
    def extras(self) -> list[ImageAnalysis]:
        """The copies a person could delete after checking."""
        return self.members[1:]


def find_duplicate_groups(
    analyses: Sequence[ImageAnalysis],
    *,
    min_ncc: float = MIN_NCC,
    hash_radius: int = HASH_RADIUS,
    neighbours: int = NEIGHBOURS,
) -> list[DuplicateGroup]:
    """Group near-duplicates among ``analyses``; biggest groups first, singletons left out."""
    n = len(analyses)
    if n < 2:
        return []
    with single_threaded(n):
        return _groups(analyses, min_ncc, hash_radius, neighbours)


def _groups(
    analyses: Sequence[ImageAnalysis], min_ncc: float, hash_radius: int, neighbours: int
) -> list[DuplicateGroup]:
    n = len(analyses)
    thumbs = np.stack([a.thumbnail().astype(np.float32) for a in analyses])
    candidates = _hash_candidates([a.phash for a in analyses], hash_radius)
    candidates |= _grid_candidates(thumbs, neighbours)
    hues = np.array([_hue_distribution(a) for a in analyses])
    whole = [_whole(t) for t in thumbs]

    @lru_cache(maxsize=WINDOW_CACHE)
    def windows(i: int) -> np.ndarray:  # 49 crops × 16×16 floats: computed when needed, bounded
        return _aligned_windows(thumbs[i])

    flat = thumbs.std(axis=(1, 2)) < FLAT_STD
    means = thumbs.mean(axis=(1, 2))

    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    confirmed: list[tuple[int, int, float]] = []
    for i, j in sorted(candidates):
        if _hue_shift(hues[i], hues[j]) > MAX_HUE_SHIFT:
            continue
        if flat[i] or flat[j]:
            # No structure to correlate: same-looking flat pictures match on tone alone.
            same = flat[i] and flat[j] and abs(means[i] - means[j]) <= FLAT_TONE
            score = 1.0 if same else 0.0
        else:
            score = max(float((windows(i) * whole[j]).sum(axis=(1, 2)).max()),
                        float((windows(j) * whole[i]).sum(axis=(1, 2)).max()))
        if score >= min_ncc:
            confirmed.append((i, j, score))
            parent[root(i)] = root(j)

    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[root(i)].append(i)
    weakest: dict[int, float] = {}
    for i, _, score in confirmed:
        weakest[root(i)] = min(score, weakest.get(root(i), 1.0))
    groups = []
    for group_root, rows in members.items():
        if len(rows) < 2:
            continue
        ordered = sorted((analyses[i] for i in rows), key=cmp_to_key(_keeper_order))
        groups.append(DuplicateGroup(ordered, round(weakest[group_root], 4)))
    groups.sort(key=lambda g: (-len(g.members), g.keeper.path))
    return groups


def picture_quality(a: ImageAnalysis) -> float:
    """How good one copy of a picture looks: its detail (RMS of the luma Laplacian) per unit of
    brightness above mid-grey, times how well it is exposed (``exposure_weight``).

    Detail is not divided by contrast: that made tone-scaled copies score alike, and then a
    dark frame fading out won on its rounding and codec noise, large beside its small contrast.
    A copy darker than mid-grey shows less detail and counts as less; brightening past
    mid-grey adds no detail, so there detail is taken relative to brightness.
    """
    detail = math.sqrt(max(a.pixels.sharpness, 0.0))
    return detail / max(a.pixels.brightness, MID_GREY) * exposure_weight(a.pixels)


def exposure_weight(pixels: PixelStats) -> float:
    """1 for a well-exposed picture; less for clipped pixels and for a mean luma outside
    the well-exposed range (the bounds ``image_analysis.exposure_problems`` names)."""
    clipped = pixels.clipped_highlights + pixels.clipped_shadows
    under = max(0.0, UNDEREXPOSED - pixels.brightness) / UNDEREXPOSED
    over = max(0.0, pixels.brightness - OVEREXPOSED) / (1.0 - OVEREXPOSED)
    return max(MIN_EXPOSURE_WEIGHT, 1.0 - CLIPPED_COST * clipped - under - over)


def _keeper_order(a: ImageAnalysis, b: ImageAnalysis) -> int:
    """Largest first; then clearly (>10 %) better looking; then the bigger file (less
    compressed); then by path, so the order never depends on the input order."""
    if a.width * a.height != b.width * b.height:
        return -1 if a.width * a.height > b.width * b.height else 1
    qa, qb = picture_quality(a), picture_quality(b)
    if max(qa, qb) > CLEARLY_BETTER * min(qa, qb):
        return -1 if qa > qb else 1
    if a.file_size != b.file_size:
        return -1 if a.file_size > b.file_size else 1
    return -1 if a.path < b.path else (1 if a.path > b.path else 0)


def _hash_candidates(hashes: Sequence[str], radius: int) -> set[tuple[int, int]]:
    """Pairs whose pHash shares a 16-bit piece and lies within ``radius`` (multi-index hashing)."""
    values = np.array([int(h, 16) for h in hashes], dtype=np.uint64)
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row, value in enumerate(values.tolist()):
        for piece in range(4):
            buckets[(piece, (value >> (16 * piece)) & 0xFFFF)].append(row)
    pairs: set[tuple[int, int]] = set()
    for rows in buckets.values():
        if len(rows) < 2:
            continue
        group = np.array(rows)
        distance = _popcount(values[group][:, None] ^ values[group][None, :])
        for a, b in zip(*np.nonzero(np.triu(distance <= radius, k=1)), strict=True):
            pairs.add((int(group[a]), int(group[b])))
    return pairs


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    bits = np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1)
    return bits.sum(axis=-1)


def _grid_candidates(thumbs: np.ndarray, neighbours: int) -> set[tuple[int, int]]:
    """Each picture's nearest neighbours by cosine on its normalised 8×8 luma grid."""
    n, side = thumbs.shape[0], thumbs.shape[1]
    step = side // 8
    grid = thumbs.reshape(n, 8, step, 8, step).mean(axis=(2, 4)).reshape(n, 64)
    grid = grid - grid.mean(axis=1, keepdims=True)
    grid /= np.maximum(np.linalg.norm(grid, axis=1, keepdims=True), 1e-6)
    k = min(neighbours, n - 1)
    pairs: set[tuple[int, int]] = set()
    for start in range(0, n, 1024):
        block = grid[start : start + 1024] @ grid.T
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -np.inf
        nearest = np.argpartition(-block, k - 1, axis=1)[:, :k] if k < n else None
        if nearest is None:
            continue
        for r, cols in enumerate(nearest):
            for c in cols:
                if block[r, c] >= MIN_GRID_COSINE:
                    i, j = sorted((start + r, int(c)))
                    pairs.add((i, j))
    return pairs


def _hue_distribution(a: ImageAnalysis) -> np.ndarray:
    """Normalised saturation-weighted hue histogram; all zeros for near-grey pictures."""
    hist = np.asarray(a.descriptor[:HUE_BINS], dtype=np.float64)
    total = hist.sum()
    return hist / total if total > 0.02 else np.zeros(HUE_BINS)


def _hue_shift(a: np.ndarray, b: np.ndarray) -> float:
    """Earth-mover distance between two hue histograms on the colour circle, in bins.

    Robust where bin-by-bin distances are not: a hue sitting on a bin edge that moves one bin
    after recompression costs ~1 bin × its mass, a real colour change costs several bins.
    """
    if not a.any() or not b.any():
        return 0.0  # one of them is grey: hue says nothing
    diff = np.cumsum(a - b)
    return float(np.abs(diff - np.median(diff)).sum())


def _normalised(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit length (per window): correlation becomes a dot product."""
    x = x - x.mean(axis=(-2, -1), keepdims=True)
    norm = np.sqrt((x * x).sum(axis=(-2, -1), keepdims=True))
    return x / np.maximum(norm, 1e-3)


def _window_matrix(scale: float, offset: float, side: int) -> np.ndarray:
    """SAMPLE×side matrix that area-averages the window (offset, offset+scale) of one axis."""
    edges = (offset + scale * np.arange(SAMPLE + 1) / SAMPLE) * side
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(side)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _placements() -> list[tuple[float, float]]:
    """(scale, offset) per axis: the whole frame, or a 5–10 % crop at either end or centred."""
    offsets = {s: (0.0,) if s == 1.0 else (0.0, (1 - s) / 2, 1 - s) for s in CROP_SCALES}
    return [(s, o) for s in CROP_SCALES for o in offsets[s]]


def _aligned_windows(thumb: np.ndarray) -> np.ndarray:
    """Normalised crops of ``thumb`` that another copy of it might show, as one stack."""
    side = thumb.shape[0]
    axis = np.stack([_window_matrix(s, o, side) for s, o in _placements()])
    windows = np.einsum("pyi,ij,qxj->pqyx", axis, thumb, axis, optimize=True)
    return _normalised(windows.reshape(-1, SAMPLE, SAMPLE))


def _whole(thumb: np.ndarray) -> np.ndarray:
    """The whole thumbnail at SAMPLE×SAMPLE, normalised."""
    m = _window_matrix(1.0, 0.0, thumb.shape[0])
    return _normalised(m @ thumb @ m.T)
