"""A creator's pictures grouped by look, each group named from its dominant traits.

Near-duplicates are collapsed to their keeper before clustering, so a burst of twenty copies does
not become a cluster of its own; the copies then join their keeper's cluster. Names are built
from measured traits ("dark, blue, low-contrast") because no image–text model is available
offline to caption them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from reelforge.media.clustering import cluster_descriptors
from reelforge.media.dedupe import DuplicateGroup
from reelforge.media.image_analysis import descriptor_weights
from reelforge.media.image_files import ImageAnalysis

NEUTRALS = ("black", "grey", "white")


@dataclass(frozen=True)
class ImageCluster:
    """Pictures that look alike; ``members`` are ordered most typical first."""

    label: int
    name: str
    traits: list[str]
    members: list[ImageAnalysis] = field(repr=False)


@dataclass(frozen=True)
class ImageClustering:
    """Clusters, the pictures that fit none, and how they were found."""

    clusters: list[ImageCluster]
    outliers: list[ImageAnalysis]
    method: str


def cluster_images(
    analyses: Sequence[ImageAnalysis],
    *,
    duplicate_groups: Sequence[DuplicateGroup] = (),
    min_cluster_size: int = 3,
) -> ImageClustering:
    """Cluster pictures by their descriptors; duplicates follow their keeper."""
    extras_of: dict[str, list[ImageAnalysis]] = {}
    hidden: set[str] = set()
    for group in duplicate_groups:
        extras_of[group.keeper.path] = group.extras
        hidden.update(a.path for a in group.extras)
    unique = [a for a in analyses if a.path not in hidden]
    if not unique:
        return ImageClustering([], [], "none")
    descriptors = np.array([a.descriptor for a in unique], dtype=np.float64)
    result = cluster_descriptors(descriptors, min_cluster_size=min_cluster_size,
                                 weights=descriptor_weights())

    def with_copies(items: list[ImageAnalysis]) -> list[ImageAnalysis]:
        return [x for a in items for x in (a, *extras_of.get(a.path, []))]

    spread = descriptors.std(axis=0)
    spread[spread < 1e-9] = 1.0
    clusters = []
    seen_names: Counter[str] = Counter()
    for label in range(result.k):
        rows = result.members(label)
        distance = np.linalg.norm((descriptors[rows] - result.centroids[label]) / spread, axis=1)
        ordered = [unique[i] for i in rows[np.argsort(distance, kind="stable")]]
        traits = cluster_traits(ordered)
        name = ", ".join(traits)
        seen_names[name] += 1
        if seen_names[name] > 1:
            name = f"{name} ({seen_names[name]})"
        clusters.append(ImageCluster(label, name, traits, with_copies(ordered)))
    outliers = with_copies([unique[i] for i in result.outliers])
    return ImageClustering(clusters, outliers, result.method)


def cluster_traits(members: Sequence[ImageAnalysis]) -> list[str]:
    """Up to four words for what a group of pictures has in common (tone, colour, contrast, ...)."""
    brightness = float(np.median([a.pixels.brightness for a in members]))
    contrast = float(np.median([a.pixels.contrast for a in members]))
    saturation = float(np.median([a.pixels.saturation for a in members]))
    colorful = float(np.median([a.pixels.colorfulness for a in members]))
    sharpness = float(np.median([a.pixels.sharpness for a in members]))
    traits = []
    if brightness < 0.3:
        traits.append("dark")
    elif brightness > 0.65:
        traits.append("bright")
    traits.append(dominant_color(members, muted=saturation < 0.12))
    if contrast < 0.12:
        traits.append("low-contrast")
    elif contrast > 0.28:
        traits.append("high-contrast")
    if colorful > 70:
        traits.append("vivid")
    elif saturation < 0.12 and "grey" not in traits:
        traits.append("muted")
    if sharpness < 15:
        traits.append("soft")
    aspects = Counter(a.aspect for a in members)
    aspect, count = aspects.most_common(1)[0]
    if aspect in ("portrait", "panorama", "tall") and count >= 0.8 * len(members):
        traits.append(aspect)
    return traits[:4]


def dominant_color(members: Sequence[ImageAnalysis], *, muted: bool) -> str:
    """The colour covering most area across members; chromatic colours win unless all are muted."""
    area: dict[str, float] = {}
    for a in members:
        for color in a.pixels.palette:
            area[color.name] = area.get(color.name, 0.0) + color.share
    if not area:
        return "grey"
    chromatic = [(share, name) for name, share in area.items() if name not in NEUTRALS]
    if chromatic and not muted:
        share, name = max(chromatic)
        if share >= 0.15 * len(members):
            return name
    return max(area.items(), key=lambda item: item[1])[0]
