"""The song catalog: one row per song from any source (built-in, the user's folders, Spotify).

A row holds what the song is (tags, licence, whether it may be used as audio), what it sounds
like (analysed features, the description sentence) and its 384-d embedding; the row id is also
its id in the FAISS index, so the index can always be rebuilt from this table alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.domain import Track
from reelforge.media.embeddings import DIMENSION, vector_from_bytes
from reelforge.store.db import Base

SOURCES = ("builtin", "library", "spotify")
MOOD_TAGS = frozenset({"calm", "energetic", "happy", "nostalgic", "tender"})


def _now() -> datetime:
    return datetime.now(UTC)


class Song(Base):
    """One song of the catalog."""

    __tablename__ = "songs"
    # Never reuse an id: it names a vector in the index.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Stable identity within the catalog: "builtin:calm/x.opus", "library:<sha1 of path>", ...
    key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    artist: Mapped[str] = mapped_column(Text, default="")
    album: Mapped[str] = mapped_column(Text, default="")
    genre: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    path: Mapped[str | None] = mapped_column(Text, nullable=True)
    uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The folder a library song was found under (so a re-scan can drop removed files).
    library_root: Mapped[str | None] = mapped_column(Text, nullable=True)
    licence: Mapped[str] = mapped_column(Text, default="")
    usable_as_audio: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The tags as "|calm|piano|", so SQL on any backend can filter by tag with LIKE.
    tag_text: Mapped[str] = mapped_column(Text, default="")
    bpm: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    musical_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    features: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Id of the vector in the FAISS index (equal to ``id`` once embedded, else NULL).
    embedding_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    file_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    file_mtime: Mapped[float | None] = mapped_column(Float, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    analysis_version: Mapped[int] = mapped_column(Integer, default=0)
    #: The tenant whose upload this is: only its own song search finds it. NULL: shared by
    #: every tenant (the built-in songs, and the server's own: `songs add`, the local tenant).
    tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    def to_track(self) -> Track:
        """The domain view of this row, as providers and the pipeline speak it."""
        return Track(
            id=self.key,
            title=self.title,
            artist=self.artist,
            source=self.source,  # type: ignore[arg-type]
            path=self.path,
            uri=self.uri,
            duration_s=self.duration_s,
            moods=[t for t in self.tags if t in MOOD_TAGS],
            tags=list(self.tags),
            bpm=self.bpm,
            key=self.musical_key,
            licence=self.licence,
            usable_as_audio=self.usable_as_audio,
        )


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Lower-case, trimmed, unique tags in their first order; '|' is reserved."""
    out: list[str] = []
    for tag in tags:
        clean = " ".join(str(tag).replace("|", " ").lower().split())
        if clean and clean not in out:
            out.append(clean)
    return out


def set_tags(song: Song, tags: Iterable[str]) -> None:
    song.tags = normalise_tags(tags)
    song.tag_text = "|" + "|".join(song.tags) + "|" if song.tags else ""


def library_key(path: str) -> str:
    """The catalog key of a file in the user's folders (fixed length whatever the path)."""
    return "library:" + hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()


# --- queries -----------------------------------------------------------------------------------


def song_by_key(session: Session, key: str) -> Song | None:
    return session.scalar(select(Song).where(Song.key == key))


def songs_by_id(session: Session, ids: Sequence[int]) -> dict[int, Song]:
    found: dict[int, Song] = {}
    for start in range(0, len(ids), 500):
        chunk = [int(i) for i in ids[start : start + 500]]
        found.update({s.id: s for s in session.scalars(select(Song).where(Song.id.in_(chunk)))})
    return found


def songs_of_source(session: Session, source: str) -> list[Song]:
    return list(session.scalars(select(Song).where(Song.source == source)))


def library_songs_under(session: Session, root: str) -> list[Song]:
    return list(session.scalars(select(Song).where(Song.library_root == root)))


def delete_songs(session: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        session.execute(delete(Song).where(Song.id.in_([int(i) for i in ids[start : start + 500]])))


def any_tenant_songs(session: Session) -> bool:
    """Whether some tenant uploaded a song: only then must a search be scoped to one tenant."""
    return session.scalar(select(Song.id).where(Song.tenant_id.is_not(None)).limit(1)) is not None


def count_by_source(session: Session) -> dict[str, int]:
    rows = session.execute(select(Song.source, func.count()).group_by(Song.source))
    return {source: int(n) for source, n in rows}


@dataclass(frozen=True)
class SongFilter:
    """Hard constraints a song must meet before it is ranked at all."""

    sources: tuple[str, ...] = ()
    usable_only: bool = False
    min_duration_s: float = 0.0
    max_duration_s: float | None = None
    bpm_min: float | None = None
    bpm_max: float | None = None
    tags: tuple[str, ...] = ()  # every tag must be present
    #: Whose uploaded songs are searched besides the shared ones; None: the shared ones only.
    tenant_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == SongFilter()


def filtered_ids(session: Session, song_filter: SongFilter) -> list[int]:
    """Index ids of the embedded songs that pass the filter."""
    query = select(Song.embedding_id).where(Song.embedding_id.is_not(None))
    if song_filter.tenant_id is None:
        query = query.where(Song.tenant_id.is_(None))
    else:
        query = query.where(or_(Song.tenant_id.is_(None), Song.tenant_id == song_filter.tenant_id))
    if song_filter.sources:
        query = query.where(Song.source.in_(song_filter.sources))
    if song_filter.usable_only:
        query = query.where(Song.usable_as_audio.is_(True))
    if song_filter.min_duration_s > 0:
        query = query.where(Song.duration_s >= song_filter.min_duration_s)
    if song_filter.max_duration_s is not None:
        query = query.where(Song.duration_s <= song_filter.max_duration_s)
    if song_filter.bpm_min is not None:
        query = query.where(Song.bpm >= song_filter.bpm_min)
    if song_filter.bpm_max is not None:
        query = query.where(Song.bpm <= song_filter.bpm_max)
    for tag in normalise_tags(song_filter.tags):
        query = query.where(Song.tag_text.like(f"%|{tag}|%"))
    return [int(i) for i in session.scalars(query) if i is not None]


def embedded_vectors(
    session: Session, model_id: str, *, chunk: int = 5000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, vectors) in chunks, for every song embedded with ``model_id`` (to rebuild an index)."""
    last = -1
    while True:
        rows = session.execute(
            select(Song.embedding_id, Song.embedding)
            .where(Song.embedding_id.is_not(None), Song.embedding_model == model_id)
            .where(Song.embedding_id > last)
            .order_by(Song.embedding_id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = np.stack([vector_from_bytes(r[1] or b"") for r in rows]).reshape(-1, DIMENSION)
        yield ids, vectors
        last = int(ids[-1])


@dataclass(frozen=True)
class CatalogFingerprint:
    """The state of the songs embedded with one model. An index records the fingerprint it was
    built from: a different one means it is stale; ``count`` and ``id_sum`` let an index check
    that an incremental update left it holding exactly the table's songs."""

    model_id: str
    count: int
    id_sum: int
    newest: str  # ISO time of the latest change; "" for no songs

    def to_json(self) -> str:
        """The fingerprint as an index stores it (JSON: ISO times hold colons)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CatalogFingerprint | None:
        """A stored fingerprint, or None when ``text`` is not one (e.g. an older index)."""
        try:
            data = json.loads(text)
            return cls(model_id=str(data["model_id"]), count=int(data["count"]),
                       id_sum=int(data["id_sum"]), newest=str(data["newest"]))
        except (ValueError, TypeError, KeyError):
            return None


def catalog_fingerprint(session: Session, model_id: str) -> CatalogFingerprint:
    """Changes whenever an embedded song is added, removed or re-embedded: the index compares
    it with the one it was built from to know it is stale."""
    count, id_sum, newest = session.execute(
        select(func.count(), func.sum(Song.embedding_id), func.max(Song.updated_at)).where(
            Song.embedding_id.is_not(None), Song.embedding_model == model_id
        )
    ).one()
    return CatalogFingerprint(model_id=model_id, count=int(count), id_sum=int(id_sum or 0),
                              newest=newest.isoformat() if newest is not None else "")
