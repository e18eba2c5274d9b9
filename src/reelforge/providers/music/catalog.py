"""The song catalog service: songs in (described, embedded, stored), ranked songs out.

Every source — the built-in tracks, the user's folders, Spotify metadata — hands songs to
``SongCatalog.add``; the database row is the source of truth (features, description and the
vector itself), and the FAISS index is a cache of it that is rebuilt whenever its fingerprint
no longer matches the table, so a crash mid-way never leaves a wrong index behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.domain import Track
from reelforge.errors import InputError
from reelforge.media.audio_analysis import AudioFeatures, analyse_audio, decode_audio
from reelforge.media.embeddings import TextEncoder, get_text_encoder, vector_to_bytes
from reelforge.media.index import VectorIndex, index_location, index_stamp, load_index, save_index
from reelforge.providers.music.description import describe_song
from reelforge.settings import Settings
from reelforge.store.db import Database, open_database
from reelforge.store.songs import (
    Song,
    SongFilter,
    catalog_fingerprint,
    delete_songs,
    embedded_vectors,
    filtered_ids,
    set_tags,
    song_by_key,
    songs_by_id,
    songs_of_source,
)

ANALYSIS_VERSION = 1
EMBED_BATCH = 64
#: How long a reader trusts its index before comparing it with the table again.
FINGERPRINT_TTL_S = 2.0
Progress = Callable[[int, int], None]


@dataclass
class SongInput:
    """A song as a source describes it, before it is embedded and stored."""

    key: str
    source: str
    title: str
    artist: str = ""
    album: str = ""
    genre: str = ""
    duration_s: float = 0.0
    path: str | None = None
    uri: str | None = None
    library_root: str | None = None
    licence: str = ""
    usable_as_audio: bool = True
    tags: list[str] = field(default_factory=list)
    bpm: float | None = None
    musical_key: str | None = None
    features: AudioFeatures | None = None
    file_size: int | None = None
    file_mtime: float | None = None
    content_hash: str | None = None
    description: str = ""  # computed from the rest when empty

    def describe(self) -> str:
        named = self.source != "builtin"  # built-in titles are just "<mood> <style> <n>"
        return self.description or describe_song(
            self.features, tags=self.tags, genre=self.genre,
            title=self.title if named else "", artist=self.artist if named else "",
            bpm=self.bpm, key=self.musical_key,
        )


@dataclass(frozen=True)
class SongHit:
    """One search result: the song, its cosine similarity to the query, and why."""

    id: int
    track: Track
    score: float
    similarity: float
    description: str
    features: dict[str, Any] | None
    album: str = ""
    genre: str = ""


class SongCatalog:
    """Adds, removes and searches songs; one per process and settings is plenty."""

    def __init__(self, settings: Settings, *, encoder: TextEncoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._db: Database | None = None
        self.location = index_location(settings, "songs")
        self._index: VectorIndex | None = None
        self._index_stamp: str | None = None
        self._lock = threading.RLock()
        self._checked_at = 0.0  # monotonic time of the last index-vs-table comparison
        self._builtin_checked = False

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.settings)
        return self._db

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = get_text_encoder()
        return self._encoder

    # --- writing -------------------------------------------------------------------------------

    def add(self, songs: Sequence[SongInput], *, progress: Progress | None = None) -> list[int]:
        """Describe, embed and upsert songs (by key); then bring the index up to date once."""
        ids: list[int] = []
        for start in range(0, len(songs), EMBED_BATCH):
            batch = songs[start : start + EMBED_BATCH]
            texts = [s.describe() for s in batch]
            vectors = self.encoder.encode(texts)
            with self.db.session() as session:
                for song, text, vector in zip(batch, texts, vectors, strict=True):
                    row = song_by_key(session, song.key) or Song(key=song.key)
                    _fill_row(row, song, text)
                    row.embedding = vector_to_bytes(vector)
                    row.embedding_model = self.encoder.model_id
                    session.add(row)
                    session.flush()
                    row.embedding_id = row.id
                    ids.append(row.id)
            if progress:
                progress(min(start + EMBED_BATCH, len(songs)), len(songs))
        if ids:
            self.refresh_index(changed=ids)
        return ids

    def refresh_descriptions(self, source: str | None = None) -> int:
        """Re-describe and re-embed songs whose description is out of date (after an upgrade
        changed the wording); uses the stored features, so no audio is decoded."""
        stale = []
        for row in self.songs(source):
            if row.features is None:
                continue  # metadata-only rows keep the text their source gave
            song = song_input_from_row(row)
            if song.describe() != row.description:
                stale.append(song)
        if stale:
            self.add(stale)
        return len(stale)

    def remove(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self.db.session() as session:
            delete_songs(session, list(ids))
        self.refresh_index(removed=list(ids))

    def refresh_index(self, *, changed: Sequence[int] = (), removed: Sequence[int] = ()) -> None:
        """Apply a change to the index and save it; rebuild instead when the stored index does
        not match the table (another writer, a crash, a model change)."""
        with self._lock:
            index = self._load_stored()
            fingerprint = self._fingerprint()
            if index is None or index.kind != "flat" or index.model_id != self.encoder.model_id:
                index = self._rebuild(fingerprint)
            else:
                index.remove(list(removed))
                if changed:
                    with self.db.session() as session:
                        rows = songs_by_id(session, list(changed))
                    present = [i for i in changed if i in rows and rows[i].embedding]
                    vectors = np.stack(
                        [np.frombuffer(rows[i].embedding or b"", dtype="<f4") for i in present]
                    ) if present else np.zeros((0, index.dimension), dtype=np.float32)
                    index.add(present, vectors)
                index.fingerprint = fingerprint
                if not _matches(index, fingerprint):
                    index = self._rebuild(fingerprint)
            save_index(index, self.location)
            self._index, self._index_stamp = index, index_stamp(self.location)
            self._checked_at = time.monotonic()

    def rebuild_index(self) -> VectorIndex:
        """Rebuild the index from the table alone (no audio is decoded) and save it."""
        with self._lock:
            index = self._rebuild(self._fingerprint())
            save_index(index, self.location)
            self._index, self._index_stamp = index, index_stamp(self.location)
            self._checked_at = time.monotonic()
            return index

    def _fingerprint(self) -> str:
        with self.db.session() as session:
            return catalog_fingerprint(session, self.encoder.model_id)

    def _rebuild(self, fingerprint: str) -> VectorIndex:
        ids_parts, vector_parts = [], []
        with self.db.session() as session:
            for ids, vectors in embedded_vectors(session, self.encoder.model_id):
                ids_parts.append(ids)
                vector_parts.append(vectors)
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
        vectors = (
            np.concatenate(vector_parts)
            if vector_parts
            else np.zeros((0, self.encoder.dimension), dtype=np.float32)
        )
        return VectorIndex.build(
            ids, vectors, model_id=self.encoder.model_id, fingerprint=fingerprint
        )

    def _load_stored(self) -> VectorIndex | None:
        stamp = index_stamp(self.location)
        if self._index is not None and stamp is not None and stamp == self._index_stamp:
            return self._index
        return load_index(self.location)

    # --- reading -------------------------------------------------------------------------------

    def index(self) -> VectorIndex:
        """The index, reloaded when another process replaced the file, rebuilt when stale."""
        with self._lock:
            stamp = index_stamp(self.location)
            if self._index is None or stamp != self._index_stamp:
                self._index = load_index(self.location)
                self._index_stamp = stamp
            now = time.monotonic()
            if self._index is not None and now - self._checked_at < FINGERPRINT_TTL_S:
                return self._index
            fingerprint = self._fingerprint()
            if self._index is None or self._index.fingerprint != fingerprint:
                self._index = self._rebuild(fingerprint)
                save_index(self._index, self.location)
                self._index_stamp = index_stamp(self.location)
            self._checked_at = now
            return self._index

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        song_filter: SongFilter | None = None,
        boost_tags: Sequence[str] = (),
        boost: float = 0.05,
    ) -> list[SongHit]:
        """The k songs closest in meaning to ``query`` among those passing ``song_filter``.

        The filter selects ids in SQL first and the index ranks only those; ``boost_tags``
        then nudge (never exclude) songs carrying them, ``boost`` per tag.
        """
        query = " ".join(str(query).split())
        if not query:
            raise InputError(
                "the search query is empty", hint='describe the music, e.g. "calm piano"'
            )
        if k < 1:
            raise InputError(f"--k must be at least 1 (got {k})")
        song_filter = song_filter or SongFilter()
        index = self.index()
        allowed: list[int] | None = None
        if not song_filter.is_empty:
            with self.db.session() as session:
                allowed = filtered_ids(session, song_filter)
            if not allowed:
                return []
        vector = self.encoder.encode_one(query)
        wanted = [t.lower() for t in boost_tags]
        pool = k * 4 if wanted else k
        found = index.search(vector, pool, allowed_ids=allowed)
        with self.db.session() as session:
            rows = songs_by_id(session, [i for i, _ in found])
            hits = []
            for song_id, similarity in found:
                row = rows.get(song_id)
                if row is None:  # deleted since the index was saved
                    continue
                bonus = boost * sum(1 for t in wanted if t in row.tags)
                hits.append(SongHit(
                    id=row.id, track=row.to_track(), score=round(similarity + bonus, 4),
                    similarity=round(similarity, 4), description=row.description,
                    features=row.features, album=row.album, genre=row.genre,
                ))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def songs(self, source: str | None = None) -> list[Song]:
        with self.db.session() as session:
            if source:
                return songs_of_source(session, source)
            from sqlalchemy import select

            return list(session.scalars(select(Song).order_by(Song.id)))

    # --- the built-in catalog ------------------------------------------------------------------

    def ensure_builtin(self, *, progress: Progress | None = None, workers: int = 2) -> int:
        """Analyse and index the built-in tracks that are not yet in the catalog (first use
        only: later calls cost one query). Returns how many were added."""
        if self._builtin_checked:
            return 0
        tracks = builtin_tracks()
        with self.db.session() as session:
            known = {
                row.key: row for row in songs_of_source(session, "builtin")
                if row.analysis_version == ANALYSIS_VERSION and row.embedding is not None
            }
            moved = [(row, tracks[key].path) for key, row in known.items()
                     if key in tracks and row.path != tracks[key].path]
            for row, path in moved:  # the venv moved: same audio, new path
                row.path = path
            gone = [row.id for key, row in known.items() if key not in tracks]
        if gone:
            self.remove(gone)
        todo = [key for key in tracks if key not in known]
        if not todo:
            self.refresh_descriptions("builtin")
            self._builtin_checked = True
            return 0
        paths = [str(tracks[key].path) for key in todo]
        results = analyse_files(paths, workers=workers, progress=progress)
        inputs = []
        for key, result in zip(todo, results, strict=True):
            if isinstance(result, str):
                continue  # a damaged install: the rest of the catalog still works
            track = tracks[key]
            mood = track.moods[0] if track.moods else key.split(":")[1].split("/")[0]
            style = track.tags[0] if track.tags else ""
            inputs.append(SongInput(
                key=key, source="builtin", title=track.title, artist=track.artist,
                album=f"immich-memories-music · {mood}", genre=style,
                duration_s=result.duration_s, path=track.path, licence=track.licence,
                tags=[mood, style], bpm=track.bpm, musical_key=track.key, features=result,
            ))
        self.add(inputs)
        self._builtin_checked = True
        return len(inputs)


def song_input_from_row(row: Song) -> SongInput:
    """A stored song as input again (to re-describe it without decoding its audio)."""
    return SongInput(
        key=row.key, source=row.source, title=row.title, artist=row.artist, album=row.album,
        genre=row.genre, duration_s=row.duration_s, path=row.path, uri=row.uri,
        library_root=row.library_root, licence=row.licence, usable_as_audio=row.usable_as_audio,
        tags=list(row.tags), bpm=row.bpm, musical_key=row.musical_key,
        features=AudioFeatures.from_dict(row.features) if row.features else None,
        file_size=row.file_size, file_mtime=row.file_mtime, content_hash=row.content_hash,
    )


def _matches(index: VectorIndex, fingerprint: str) -> bool:
    """Whether the index holds exactly the count and id sum the fingerprint records."""
    parts = fingerprint.split(":")
    try:
        count, id_sum = int(parts[-4]), int(parts[-3])
    except (IndexError, ValueError):
        return False
    return len(index) == count and int(index.ids.sum()) == id_sum


def _fill_row(row: Song, song: SongInput, description: str) -> None:
    row.source = song.source
    row.title = song.title
    row.artist = song.artist
    row.album = song.album
    row.genre = song.genre
    row.duration_s = float(song.duration_s)
    row.path = song.path
    row.uri = song.uri
    row.library_root = song.library_root
    row.licence = song.licence
    row.usable_as_audio = song.usable_as_audio and song.source != "spotify"
    set_tags(row, song.tags)
    row.bpm = song.bpm if song.bpm else (song.features.bpm if song.features else None)
    row.musical_key = song.musical_key or (song.features.key_name if song.features else None)
    row.features = song.features.to_dict() if song.features else None
    row.description = description
    row.file_size = song.file_size
    row.file_mtime = song.file_mtime
    row.content_hash = song.content_hash
    row.analysis_version = ANALYSIS_VERSION if song.features else 0


# --- analysis in worker processes ----------------------------------------------------------------


def analyse_file(path: str) -> AudioFeatures | str:
    """Decode once and analyse; a failure comes back as its reason (workers never raise)."""
    try:
        return analyse_audio(decode_audio(Path(path)))
    except InputError as exc:
        return exc.message
    except MemoryError:
        return "not enough memory to decode it"
    except Exception as exc:  # a broken file must not stop the batch
        return f"analysis failed: {type(exc).__name__}: {exc}"


def analyse_files(
    paths: Sequence[str], *, workers: int = 2, progress: Progress | None = None
) -> list[AudioFeatures | str]:
    """``analyse_file`` over many files, in parallel over ``workers`` processes, in order."""
    return map_in_processes(analyse_file, paths, workers=workers, progress=progress)


def map_in_processes(
    func: Callable[[str], Any], paths: Sequence[str], *, workers: int,
    progress: Progress | None = None,
) -> list[Any]:
    """``func`` (a module-level function) over ``paths`` in ``workers`` processes; results in
    the order of ``paths``, progress as they finish."""
    results: list[Any] = [""] * len(paths)
    if workers <= 1 or len(paths) <= 1:
        for i, path in enumerate(paths):
            results[i] = func(path)
            if progress:
                progress(i + 1, len(paths))
        return results
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(min(workers, len(paths))) as pool:
        items = [(func, i, path) for i, path in enumerate(paths)]
        for done, (i, result) in enumerate(pool.imap_unordered(_indexed_call, items), start=1):
            results[i] = result
            if progress:
                progress(done, len(paths))
    return results


def _indexed_call(item: tuple[Callable[[str], Any], int, str]) -> tuple[int, Any]:
    func, i, path = item
    return i, func(path)


def builtin_tracks() -> dict[str, Track]:
    """The built-in tracks by catalog key (empty when the package is missing: the catalog then
    holds only the user's songs)."""
    from reelforge.errors import DependencyMissing
    from reelforge.providers.music.builtin import builtin_tracks as listed

    try:
        return {track.id: track for track in listed()}
    except DependencyMissing:
        return {}
