"""Generic descriptor clustering, and picture clusters named from their traits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.errors import InputError
from reelforge.media.clustering import cluster_descriptors
from reelforge.media.dedupe import find_duplicate_groups
from reelforge.media.image_analysis import DESCRIPTOR_DIMS, describe_image, descriptor_weights
from reelforge.media.image_batch import analyze_folder
from reelforge.media.image_clusters import cluster_images
from reelforge.settings import Settings

from .conftest import scene

Save = Callable[..., Path]


def _blobs(dims: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three groups of 25 (centres apart in every feature) plus two points far away."""
    rng = np.random.default_rng(seed)
    centres = 8.0 * np.eye(3, dims) * np.sqrt(dims) + rng.normal(0, 3.0, (3, dims))
    rows = np.vstack([rng.normal(c, 1.0, (25, dims)) for c in centres])
    truth = np.repeat([0, 1, 2], 25)
    directions = rng.normal(size=(2, dims))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    far = centres.mean(axis=0) + 15.0 * np.sqrt(dims) * directions
    return np.vstack([rows, far]), np.concatenate([truth, [-1, -1]])


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return all(len(set(a[b == label])) == 1 for label in set(b.tolist()) if label >= 0)


@pytest.mark.parametrize("dims", [3, 12, 384])
def test_separated_groups_become_clusters_and_far_points_outliers(dims: int) -> None:
    x, truth = _blobs(dims)
    result = cluster_descriptors(x)
    assert result.k == 3 and result.sizes == [25, 25, 25]
    assert _same_partition(result.labels, truth)
    assert set(result.outliers.tolist()) == {75, 76}
    assert result.centroids.shape == (3, dims)


def test_clustering_is_deterministic_and_ignores_feature_scale() -> None:
    x, _ = _blobs(6, seed=3)
    first = cluster_descriptors(x)
    scaled = x * np.array([1, 1000, 0.001, 1, 50, 1])
    assert np.array_equal(first.labels, cluster_descriptors(x).labels)
    assert np.array_equal(first.labels, cluster_descriptors(scaled).labels)


def test_kmeans_fallback_picks_k_itself() -> None:
    x, truth = _blobs(5, seed=4)
    result = cluster_descriptors(x[:75], method="kmeans")
    assert result.method == "kmeans" and result.k == 3
    assert _same_partition(result.labels, truth[:75])


def test_too_few_rows_are_all_outliers_and_identical_rows_one_cluster() -> None:
    assert cluster_descriptors(np.ones((2, 4))).labels.tolist() == [-1, -1]
    assert cluster_descriptors(np.ones((6, 4))).labels.tolist() == [0] * 6
    assert cluster_descriptors(np.empty((0, 4))).k == 0


@pytest.mark.parametrize(
    ("matrix", "message"),
    [(np.ones(5), "2-D matrix"), (np.array([[1.0, np.nan], [0.0, 1.0]]), "row 0")],
)
def test_bad_descriptors_are_input_errors(matrix: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        cluster_descriptors(matrix)


def _tinted(seed: int, tint: tuple[float, float, float], gain: float) -> Image.Image:
    arr = np.asarray(scene(seed, (160, 120)).convert("L"), dtype=np.float32)[..., None]
    return Image.fromarray((arr * np.array(tint) * gain).clip(0, 255).astype(np.uint8))


def test_picture_clusters_are_named_from_their_traits_and_duplicates_follow_the_keeper(
    save: Save, settings: Settings
) -> None:
    for seed in range(6):
        save(_tinted(seed, (0.25, 0.45, 1.0), 0.45), f"night{seed}.jpg")
        save(_tinted(seed + 10, (1.0, 0.6, 0.2), 1.6), f"sunset{seed}.jpg")
    save(_tinted(0, (0.25, 0.45, 1.0), 0.45).resize((80, 60)), "night0_small.jpg")
    folder = settings.data_dir.parent / "pictures"
    analyses = analyze_folder(folder, settings, workers=1).analyses
    groups = find_duplicate_groups(analyses)
    clustering = cluster_images(analyses, duplicate_groups=groups)

    assert len(clustering.clusters) == 2 and not clustering.outliers
    by_name = {c.name: sorted(Path(a.path).name for a in c.members) for c in clustering.clusters}
    night = next(n for n in by_name if "blue" in n)
    sunset = next(n for n in by_name if "orange" in n)
    assert "dark" in night and "dark" not in sunset
    assert by_name[night] == sorted([f"night{i}.jpg" for i in range(6)] + ["night0_small.jpg"])
    assert by_name[sunset] == sorted(f"sunset{i}.jpg" for i in range(6))


def test_video_keyframes_and_pictures_cluster_together_by_look(
    save: Save, settings: Settings
) -> None:
    for seed in range(4):
        save(_tinted(seed, (0.25, 0.45, 1.0), 0.45), f"night{seed}.jpg")
        save(_tinted(seed + 10, (1.0, 0.6, 0.2), 1.6), f"sunset{seed}.jpg")
    folder = settings.data_dir.parent / "pictures"
    analyses = analyze_folder(folder, settings, workers=1).analyses
    # keyframes arrive from the video decoder as float RGB arrays at video size
    frames = [np.asarray(_tinted(s, (0.25, 0.45, 1.0), 0.45).resize((256, 144)), dtype=np.float32)
              / 255.0 for s in (20, 21)]
    frames += [np.asarray(_tinted(s, (1.0, 0.6, 0.2), 1.6).resize((256, 144)), dtype=np.float32)
               / 255.0 for s in (30, 31)]
    rows = np.vstack([[a.descriptor for a in analyses], [describe_image(f) for f in frames]])
    labels = cluster_descriptors(rows).labels
    names = [Path(a.path).stem.rstrip("0123456789") for a in analyses]
    night = {labels[i] for i, n in enumerate(names) if n == "night"}
    sunset = {labels[i] for i, n in enumerate(names) if n == "sunset"}
    assert len(night) == len(sunset) == 1 and night != sunset
    assert set(labels[-4:-2]) == night and set(labels[-2:]) == sunset


def test_weights_decide_which_features_group_the_rows() -> None:
    rng = np.random.default_rng(5)
    by_first = np.repeat([0.0, 10.0, 20.0], 20)  # three groups along column 0
    by_second = np.tile([0.0, 10.0], 30)  # two groups along column 1
    x = np.column_stack([by_first, by_second]) + rng.normal(0, 0.3, (60, 2))
    first = cluster_descriptors(x, weights=np.array([1.0, 0.0]))
    second = cluster_descriptors(x, weights=np.array([0.0, 1.0]))
    assert first.k == 3 and _same_partition(first.labels, np.repeat([0, 1, 2], 20))
    assert second.k == 2 and _same_partition(second.labels, np.tile([0, 1], 30))
    with pytest.raises(InputError, match="weights must be 2"):
        cluster_descriptors(x, weights=np.ones(3))


def test_descriptor_weights_cover_every_descriptor_column() -> None:
    weights = descriptor_weights()
    assert weights.shape == (DESCRIPTOR_DIMS,) and np.all(weights > 0)
    assert describe_image(np.zeros((8, 8, 3), dtype=np.uint8)).shape == weights.shape
