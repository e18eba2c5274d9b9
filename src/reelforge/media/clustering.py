"""Group any descriptor matrix (pictures, video shots, song embeddings) into clusters plus outliers.

Generic on purpose: rows are items, columns are features of any dimension and scale. Features are
standardised first so no single large-valued feature dominates; wide matrices are reduced with PCA
because density estimates degrade in high dimension. HDBSCAN is tried first (it finds the number
of clusters itself and keeps outliers apart); when it finds no structure, leaves too much out, or
splits clearly worse (by silhouette) than k-means with k chosen by silhouette, the k-means
result is used, with members far from their centroid as outliers. Everything is
deterministic: the same matrix always gives the same labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from reelforge.errors import InputError

Method = Literal["auto", "hdbscan", "kmeans"]

#: PCA target width; above it HDBSCAN's core distances become uninformative.
MAX_DIMS = 16
#: HDBSCAN is accepted when it leaves at most this share of the rows as outliers.
MAX_OUTLIER_SHARE = 0.35
#: A k-means member farther than median + this many MADs from its centroid is an outlier.
OUTLIER_MADS = 6.0
MAX_K = 20
#: Below this many rows clustering runs on one thread (see ``single_threaded``).
SINGLE_THREAD_ROWS = 50_000
#: How much higher k-means' silhouette must be to replace HDBSCAN's clusters in "auto".
SILHOUETTE_MARGIN = 0.1


@dataclass(frozen=True)
class ClusterResult:
    """Labels (one per row, -1 = outlier) and what produced them."""

    labels: np.ndarray
    method: str
    k: int
    centroids: np.ndarray = field(repr=False)
    sizes: list[int] = field(default_factory=list)
    silhouette: float | None = None

    @property
    def outliers(self) -> np.ndarray:
        """Row indices that belong to no cluster."""
        return np.flatnonzero(self.labels < 0)

    def members(self, label: int) -> np.ndarray:
        """Row indices of one cluster."""
        return np.flatnonzero(self.labels == label)


def cluster_descriptors(
    descriptors: np.ndarray,
    *,
    min_cluster_size: int = 3,
    method: Method = "auto",
    max_k: int = MAX_K,
    weights: np.ndarray | None = None,
) -> ClusterResult:
    """Cluster the rows of ``descriptors``; clusters are relabelled 0..k-1, largest first.

    ``weights`` (one per column) scale the standardised features, for callers that know some
    features matter more (``image_analysis.descriptor_weights()`` for pictures).
    """
    x = _validated(descriptors, min_cluster_size)
    n = x.shape[0]
    if n < max(min_cluster_size, 2):
        return _result(x, np.full(n, -1, dtype=np.int64), "too-few", None)
    w = _validated_weights(weights, x.shape[1])
    with single_threaded(n):
        return _clustered(x, w, min_cluster_size, method, max_k)


@contextmanager
def single_threaded(rows: int) -> Iterator[None]:
    """One BLAS/OpenMP thread for small problems.

    On a shared machine, threaded k-means and HDBSCAN on a few thousand rows spend their time
    spin-waiting for cores: measured 40× slower than one thread on 2 busy cores.
    """
    if rows >= SINGLE_THREAD_ROWS:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _clustered(
    x: np.ndarray, weights: np.ndarray | None, min_cluster_size: int, method: Method, max_k: int
) -> ClusterResult:
    n = x.shape[0]
    z = _prepared(x, weights)
    if np.allclose(z, 0.0):
        return _result(x, np.zeros(n, dtype=np.int64), "identical", None)

    hdbscan_labels = hdbscan_score = None
    if method in ("auto", "hdbscan"):
        hdbscan_labels = _hdbscan(z, min_cluster_size)
        hdbscan_score = _silhouette(z, hdbscan_labels)
        if method == "hdbscan":
            return _result(x, hdbscan_labels, "hdbscan", hdbscan_score)
    labels = _kmeans_auto_k(z, min_cluster_size, max_k)
    score = _silhouette(z, labels)
    if hdbscan_labels is not None and _hdbscan_is_better(hdbscan_labels, hdbscan_score, score):
        return _result(x, hdbscan_labels, "hdbscan", hdbscan_score)
    return _result(x, labels, "kmeans", score)


def _hdbscan_is_better(labels: np.ndarray, score: float | None, kmeans: float | None) -> bool:
    """HDBSCAN wins unless it found no structure, dropped too much, or clearly split worse.

    HDBSCAN with small clusters allowed can cut one Gaussian blob into several dense cores;
    k-means with silhouette-chosen k does not, so a clearly higher k-means silhouette wins.
    """
    found = len(set(labels.tolist()) - {-1})
    if found < 2 or float(np.mean(labels < 0)) > MAX_OUTLIER_SHARE or score is None:
        return False
    return kmeans is None or score >= kmeans - SILHOUETTE_MARGIN


def _validated(descriptors: np.ndarray, min_cluster_size: int) -> np.ndarray:
    x = np.asarray(descriptors, dtype=np.float64)
    if x.ndim != 2:
        raise InputError(
            f"descriptors must be a 2-D matrix (rows = items), got shape {x.shape}",
            hint="stack one descriptor per item with np.vstack",
        )
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(x), axis=1))[0]) if x.size else 0
        raise InputError(
            f"descriptor row {bad} contains NaN or infinity",
            hint="drop or repair that item's descriptor before clustering",
        )
    if min_cluster_size < 2:
        raise InputError(
            f"min_cluster_size must be at least 2, got {min_cluster_size}",
            hint="a cluster of one item is an outlier",
        )
    return x


def _validated_weights(weights: np.ndarray | None, columns: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (columns,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InputError(
            f"weights must be {columns} finite non-negative numbers, got shape {w.shape}",
            hint="pass one weight per descriptor column",
        )
    return w


def _prepared(x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Standardise columns (constant ones become 0), weight them, reduce wide ones with PCA."""
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-12] = 1.0
    z = (x - mean) / std
    if weights is not None:
        z = z * weights
    if z.shape[1] > MAX_DIMS and z.shape[0] > MAX_DIMS:
        from sklearn.decomposition import PCA

        z = PCA(n_components=MAX_DIMS, svd_solver="full", random_state=0).fit_transform(z)
    return z


def _hdbscan(z: np.ndarray, min_cluster_size: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min(min_cluster_size, 5),
                    copy=True)
    return np.asarray(model.fit_predict(z), dtype=np.int64)


def _kmeans_auto_k(z: np.ndarray, min_cluster_size: int, max_k: int) -> np.ndarray:
    """k-means with the k of best silhouette; tiny clusters and far members become outliers."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = z.shape[0]
    upper = min(max_k, n // min_cluster_size, n - 1)
    best_labels = np.zeros(n, dtype=np.int64)
    best_score = -1.0
    centers = z.mean(axis=0, keepdims=True)
    sample = min(n, 2000)
    for k in range(2, upper + 1):
        model = KMeans(n_clusters=k, n_init=4, random_state=0).fit(z)
        labels = model.labels_.astype(np.int64)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(z, labels, sample_size=sample, random_state=0))
        if score > best_score + 1e-9:
            best_score, best_labels, centers = score, labels, model.cluster_centers_
    labels = best_labels.copy()
    distances = np.linalg.norm(z - centers[labels], axis=1)
    for label in np.unique(best_labels):
        rows = np.flatnonzero(best_labels == label)
        d = distances[rows]
        median = float(np.median(d))
        mad = float(np.median(np.abs(d - median))) or 1e-12
        labels[rows[d > median + OUTLIER_MADS * 1.4826 * mad]] = -1
        if np.count_nonzero(labels[rows] >= 0) < min_cluster_size:
            labels[rows] = -1
    return labels


def _silhouette(z: np.ndarray, labels: np.ndarray) -> float | None:
    from sklearn.metrics import silhouette_score

    kept = labels >= 0
    if len(set(labels[kept].tolist())) < 2 or kept.sum() < 3:
        return None
    sample = min(int(kept.sum()), 2000)
    return float(silhouette_score(z[kept], labels[kept], sample_size=sample, random_state=0))


def _result(
    x: np.ndarray, labels: np.ndarray, method: str, silhouette: float | None
) -> ClusterResult:
    """Relabel clusters 0..k-1 by size (largest first, ties by first row) and compute centroids."""
    found = [int(v) for v in np.unique(labels) if v >= 0]
    order = sorted(found, key=lambda v: (-int(np.sum(labels == v)), int(np.argmax(labels == v))))
    relabelled = np.full(labels.shape, -1, dtype=np.int64)
    for new, old in enumerate(order):
        relabelled[labels == old] = new
    k = len(order)
    centroids = (
        np.vstack([x[relabelled == c].mean(axis=0) for c in range(k)])
        if k
        else np.empty((0, x.shape[1] if x.ndim == 2 else 0))
    )
    sizes = [int(np.sum(relabelled == c)) for c in range(k)]
    return ClusterResult(relabelled, method, k, centroids, sizes, silhouette)
