"""The song catalog service: songs in (described, embedded, stored), ranked songs out.

Every source — the built-in tracks, the user's folders, Spotify metadata — hands songs to
``SongCatalog.add``; the database row is the source of truth (features, description and the
vector itself). The FAISS index (``song_index``) is a cache of it, updated with each change and
rebuilt whenever its fingerprint no longer matches the table, so a crash mid-way never leaves a
wrong index behind. Audio is analysed in worker processes by ``song_analysis``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reelforge.domain import Track
from reelforge.errors import InputError
from reelforge.media.audio_analysis import AudioFeatures
from reelforge.media.embeddings import TextEncoder, get_text_encoder, vector_to_bytes
from reelforge.media.index import VectorIndex, index_location
from reelforge.providers.music.builtin_features import shipped_features
from reelforge.providers.music.description import describe_song
from reelforge.providers.music.song_analysis import ANALYSIS_VERSION, analyse_files
from reelforge.providers.music.song_index import SongIndex
from reelforge.settings import Settings
from reelforge.store.db import Database, open_database
from reelforge.store.songs import (
    Song,
    SongFilter,
    any_tenant_songs,
    delete_songs,
    filtered_ids,
    set_tags,
    song_by_key,
    songs_by_id,
    songs_of_source,
)

EMBED_BATCH = 64
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
    tenant_id: int | None = None  # a tenant's upload (its search only); None: shared

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
        self.song_index = SongIndex(index_location(settings, "songs"))
        self._builtin_checked = False

    @property
    def location(self) -> str:
        """Where the index is saved (a path, or a URL in the artifact store)."""
        return self.song_index.location

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
        """Apply a change to the saved index (rebuilt when it does not match the table)."""
        self.song_index.update(self.db, self.encoder, changed=changed, removed=removed)

    def rebuild_index(self) -> VectorIndex:
        """Rebuild the index from the table alone (no audio is decoded) and save it."""
        return self.song_index.rebuild(self.db, self.encoder)

    # --- reading -------------------------------------------------------------------------------

    def index(self) -> VectorIndex:
        """The index, reloaded when another process replaced the file, rebuilt when stale."""
        return self.song_index.current(self.db, self.encoder)

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
        with self.db.session() as session:  # another tenant's upload is never ranked
            if any_tenant_songs(session) or not replace(song_filter, tenant_id=None).is_empty:
                allowed = filtered_ids(session, song_filter)
        if allowed is not None and not allowed:
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
        shipped = shipped_features({key: tracks[key] for key in todo})
        analyse = [key for key in todo if key not in shipped]
        analysed = analyse_files([str(tracks[key].path) for key in analyse], workers=workers,
                                 progress=progress) if analyse else []
        found: dict[str, AudioFeatures | str] = {**shipped, **dict(zip(analyse, analysed,
                                                                       strict=True))}
        inputs = []
        for key in todo:
            result = found[key]
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
        tenant_id=row.tenant_id,
    )


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
    row.tenant_id = song.tenant_id
    row.analysis_version = ANALYSIS_VERSION if song.features else 0


def builtin_tracks() -> dict[str, Track]:
    """The built-in tracks by catalog key (empty when the package is missing: the catalog then
    holds only the user's songs)."""
    from reelforge.errors import DependencyMissing
    from reelforge.providers.music.builtin import builtin_tracks as listed

    try:
        return {track.id: track for track in listed()}
    except DependencyMissing:
        return {}
