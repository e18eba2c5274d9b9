"""The song index: FAISS over the catalog's vectors, saved where every worker finds it.

The table is the source of truth and the index a cache of it. Each saved index records the
``CatalogFingerprint`` of the table it reflects: a writer applies its own change to the index
and checks that the result holds exactly the table's songs (count and id sum), else rebuilds;
a reader rebuilds whenever the fingerprint no longer matches (another writer, a crash between
the database commit and the index write, a model change). Rebuilding reads stored vectors only:
nothing is decoded or encoded again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from reelforge.media.index import VectorIndex, index_stamp, load_index, save_index
from reelforge.store.db import Database
from reelforge.store.songs import (
    CatalogFingerprint,
    catalog_fingerprint,
    embedded_vectors,
    songs_by_id,
)

#: How long a reader trusts its index before comparing it with the table again.
FINGERPRINT_TTL_S = 2.0


class EmbeddingSpace(Protocol):
    """Which vectors an index holds: those of one model, of one dimension (a ``TextEncoder``)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...


class SongIndex:
    """The index at ``location``, kept in step with the song table; one per catalog."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._index: VectorIndex | None = None
        self._stamp: str | None = None  # of the saved file self._index was read from or written to
        self._lock = threading.RLock()
        self._checked_at = 0.0  # monotonic time of the last index-vs-table comparison

    def current(self, db: Database, space: EmbeddingSpace) -> VectorIndex:
        """The index, reloaded when another process replaced the file, rebuilt when stale."""
        with self._lock:
            stamp = index_stamp(self.location)
            if self._index is None or stamp != self._stamp:
                self._index, self._stamp = load_index(self.location), stamp
            now = time.monotonic()
            if self._index is not None and now - self._checked_at < FINGERPRINT_TTL_S:
                return self._index
            fingerprint = _fingerprint(db, space)
            if self._index is None or _recorded(self._index) != fingerprint:
                self._keep(self._build(db, space, fingerprint))
            self._checked_at = now
            assert self._index is not None  # _keep set it
            return self._index

    def update(self, db: Database, space: EmbeddingSpace, *, changed: Sequence[int] = (),
               removed: Sequence[int] = ()) -> None:
        """Apply a change (songs written or deleted by id) to the saved index, then save it;
        rebuild instead when the result would not hold exactly the table's songs."""
        with self._lock:
            fingerprint = _fingerprint(db, space)
            index = self._stored()
            if index is None or index.kind != "flat" or index.model_id != space.model_id:
                index = self._build(db, space, fingerprint)
            else:
                index.remove(list(removed))
                if changed:
                    index.add(*_vectors_of(db, changed, index.dimension))
                index.fingerprint = fingerprint.to_json()
                if not _holds(index, fingerprint):
                    index = self._build(db, space, fingerprint)
            self._keep(index)

    def rebuild(self, db: Database, space: EmbeddingSpace) -> VectorIndex:
        """A new index from the table alone (no audio is decoded), saved."""
        with self._lock:
            index = self._build(db, space, _fingerprint(db, space))
            self._keep(index)
            return index

    def _build(self, db: Database, space: EmbeddingSpace,
               fingerprint: CatalogFingerprint) -> VectorIndex:
        ids_parts, vector_parts = [], []
        with db.session() as session:
            for ids, vectors in embedded_vectors(session, space.model_id):
                ids_parts.append(ids)
                vector_parts.append(vectors)
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
        vectors = (np.concatenate(vector_parts) if vector_parts
                   else np.zeros((0, space.dimension), dtype=np.float32))
        return VectorIndex.build(ids, vectors, model_id=space.model_id,
                                 fingerprint=fingerprint.to_json())

    def _stored(self) -> VectorIndex | None:
        """The saved index: the one in memory when the file is still the one it came from."""
        stamp = index_stamp(self.location)
        if self._index is not None and stamp is not None and stamp == self._stamp:
            return self._index
        return load_index(self.location)

    def _keep(self, index: VectorIndex) -> None:
        save_index(index, self.location)
        self._index, self._stamp = index, index_stamp(self.location)
        self._checked_at = time.monotonic()


def _fingerprint(db: Database, space: EmbeddingSpace) -> CatalogFingerprint:
    with db.session() as session:
        return catalog_fingerprint(session, space.model_id)


def _recorded(index: VectorIndex) -> CatalogFingerprint | None:
    """The fingerprint an index was saved with (None for an index of an older layout)."""
    return CatalogFingerprint.from_json(index.fingerprint)


def _holds(index: VectorIndex, fingerprint: CatalogFingerprint) -> bool:
    """Whether the index holds exactly the count and id sum the fingerprint records."""
    return len(index) == fingerprint.count and int(index.ids.sum()) == fingerprint.id_sum


def _vectors_of(db: Database, ids: Sequence[int], dimension: int) -> tuple[list[int], np.ndarray]:
    """The stored vectors of ``ids`` (those still present and embedded), read back from rows."""
    with db.session() as session:
        rows = songs_by_id(session, list(ids))
    present = [i for i in ids if i in rows and rows[i].embedding]
    if not present:
        return [], np.zeros((0, dimension), dtype=np.float32)
    return present, np.stack([np.frombuffer(rows[i].embedding or b"", dtype="<f4")
                              for i in present])
