"""The FAISS index: filters before ranking, stable ids, atomic files, HNSW recall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelforge.media.index import VectorIndex, load_index, save_index


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clustered_vectors(n: int, dim: int = 384, centres: int = 50, seed: int = 0) -> np.ndarray:
    """Embedding-like data: points around topic centres, not uniform noise."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((centres, dim))
    members = topics[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, dim))
    return unit(members)


@pytest.fixture
def small() -> tuple[np.ndarray, np.ndarray, VectorIndex]:
    vectors = clustered_vectors(500)
    ids = np.arange(500, dtype=np.int64) * 10 + 3  # ids unrelated to positions
    return ids, vectors, VectorIndex.build(ids, vectors, model_id="m", fingerprint="f1")


def test_search_returns_database_ids_best_first(small) -> None:
    ids, vectors, index = small
    hits = index.search(vectors[42], 5)
    assert hits[0] == (ids[42], pytest.approx(1.0, abs=1e-5))
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_filter_is_applied_before_ranking_so_k_results_all_pass(small) -> None:
    ids, vectors, index = small
    allowed = ids[1::2]  # excludes the query's own id (index 42 is even)
    hits = index.search(vectors[42], 5, allowed_ids=allowed)
    assert len(hits) == 5 and all(i in set(allowed.tolist()) for i, _ in hits)
    expected = np.argsort(-(vectors[1::2] @ vectors[42]))[:5]
    assert [i for i, _ in hits] == [int(allowed[j]) for j in expected]


def test_an_index_built_from_no_songs_searches_to_nothing() -> None:
    """A catalog with no song yet (the built-in ones not analysed) answers an empty search,
    not a reshape error (a 500 from POST /v1/songs/search)."""
    for vectors in (np.zeros((0, 384), np.float32), np.zeros(0, np.float32)):
        index = VectorIndex.build(np.zeros(0, np.int64), vectors, model_id="m")
        assert len(index) == 0 and index.search(np.ones(384, np.float32), 3) == []


def test_adding_an_existing_id_replaces_its_vector(small) -> None:
    ids, vectors, index = small
    index.add([ids[0]], vectors[7:8])
    assert len(index) == 500
    assert {i for i, _ in index.search(vectors[7], 2)} == {ids[0], ids[7]}
    assert all(i != ids[0] for i, _ in index.search(vectors[0], 3))


def test_removed_ids_are_never_returned(small) -> None:
    ids, vectors, index = small
    assert index.remove([ids[42], 999_999]) == 1
    assert all(i != ids[42] for i, _ in index.search(vectors[42], 10))


def test_saved_index_loads_with_its_fingerprint_and_leaves_no_temp_files(small, tmp_path) -> None:
    ids, vectors, index = small
    location = str(tmp_path / "idx" / "songs.faiss")
    save_index(index, location)
    loaded = load_index(location)
    assert loaded is not None and loaded.fingerprint == "f1" and len(loaded) == 500
    assert loaded.search(vectors[3], 1)[0][0] == ids[3]
    assert [p.name for p in (tmp_path / "idx").iterdir()] == ["songs.faiss"]


def test_truncated_or_foreign_index_file_loads_as_none(small, tmp_path: Path) -> None:
    _, _, index = small
    path = tmp_path / "songs.faiss"
    path.write_bytes(index.to_bytes()[:-1000])
    assert load_index(str(path)) is None
    path.write_bytes(b"not an index")
    assert load_index(str(path)) is None
    assert load_index(str(tmp_path / "missing.faiss")) is None


def test_hnsw_above_the_threshold_keeps_recall_at_10_above_95_percent() -> None:
    vectors = clustered_vectors(4000, seed=1)
    ids = np.arange(4000, dtype=np.int64)
    exact = VectorIndex.build(ids, vectors)
    approx = VectorIndex.build(ids, vectors, hnsw_threshold=1000)
    assert (exact.kind, approx.kind) == ("flat", "hnsw")
    queries = clustered_vectors(50, seed=2)
    recall = np.mean([
        len({i for i, _ in exact.search(q, 10)} & {i for i, _ in approx.search(q, 10)}) / 10
        for q in queries
    ])
    assert recall >= 0.95


def test_hnsw_with_a_selective_filter_still_ranks_exactly() -> None:
    vectors = clustered_vectors(3000, seed=3)
    ids = np.arange(3000, dtype=np.int64)
    approx = VectorIndex.build(ids, vectors, hnsw_threshold=1000)
    allowed = ids[::7]
    hits = approx.search(vectors[0], 3, allowed_ids=allowed)
    expected = allowed[np.argsort(-(vectors[allowed] @ vectors[0]))[:3]]
    assert [i for i, _ in hits] == expected.tolist()


@pytest.mark.parametrize("spacing", [1, 10_000], ids=["dense ids", "sparse ids"])
def test_filtered_exact_search_equals_brute_force_after_edits(spacing: int) -> None:
    """The masked in-place product must rank exactly like numpy over the allowed rows, also
    after removals and replacements have reordered FAISS's storage."""
    vectors = clustered_vectors(800, seed=3)
    ids = np.arange(800, dtype=np.int64) * spacing + 7
    index = VectorIndex.build(ids, vectors)
    index.remove(ids[:100])
    moved = clustered_vectors(50, seed=4)
    index.add(ids[200:250], moved)  # replace: removed, then appended at the end
    current = {int(i): v for i, v in zip(ids[100:], vectors[100:], strict=True)}
    current.update({int(i): v for i, v in zip(ids[200:250], moved, strict=True)})
    allowed = np.array([*sorted(current)[::3], int(ids[0]), 10**12], dtype=np.int64)
    query = vectors[500]
    hits = index.search(query, 10, allowed_ids=allowed)
    pool = [i for i in allowed.tolist() if i in current]
    expected = sorted(pool, key=lambda i: -float(current[i] @ query))[:10]
    assert [i for i, _ in hits] == expected
    assert all(s == pytest.approx(float(current[i] @ query), abs=1e-5) for i, s in hits)
