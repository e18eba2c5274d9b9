"""The metadata store and the song table, on SQLite and on PostgreSQL (CI runs both)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from reelforge.errors import InputError
from reelforge.media.embeddings import vector_to_bytes
from reelforge.store.db import (
    current_revision,
    database_for_url,
    forget_databases,
    head_revision,
    open_database,
)
from reelforge.store.songs import (
    Song,
    SongFilter,
    catalog_fingerprint,
    count_by_source,
    delete_songs,
    embedded_vectors,
    filtered_ids,
    set_tags,
    song_by_key,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'songs.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"rf_music_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        forget_databases()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_song(key: str, *, source: str = "library", bpm: float | None = 100.0,
              duration: float = 60.0, tags: tuple[str, ...] = (), usable: bool = True,
              vector_seed: int | None = 0) -> Song:
    song = Song(key=key, source=source, title=key, duration_s=duration, bpm=bpm,
                usable_as_audio=usable, features={"bpm": bpm, "energy_curve": [0.5, 1.0]},
                description=f"song {key}")
    set_tags(song, tags)
    if vector_seed is not None:
        vector = np.random.default_rng(vector_seed).standard_normal(384).astype(np.float32)
        song.embedding = vector_to_bytes(vector / np.linalg.norm(vector))
        song.embedding_model = "m"
    return song


def add(db, *songs: Song) -> list[int]:
    with db.session() as session:
        for song in songs:
            session.add(song)
            session.flush()
            if song.embedding is not None:
                song.embedding_id = song.id
        return [s.id for s in songs]


def test_first_use_migrates_to_the_newest_revision(db_url: str) -> None:
    db = database_for_url(db_url)
    assert current_revision(db.engine) == head_revision() is not None
    assert "songs" in sa.inspect(db.engine).get_table_names()


def test_opening_again_in_a_new_process_state_keeps_the_data(db_url: str) -> None:
    add(database_for_url(db_url), make_song("a"))
    forget_databases()
    with database_for_url(db_url).session() as session:
        assert song_by_key(session, "a") is not None


def test_a_song_row_round_trips_tags_features_and_its_vector(db_url: str) -> None:
    db = database_for_url(db_url)
    add(db, make_song("x", tags=("Calm", "piano", "calm")))
    with db.session() as session:
        song = song_by_key(session, "x")
        assert song is not None
        assert song.tags == ["calm", "piano"] and song.tag_text == "|calm|piano|"
        assert song.features == {"bpm": 100.0, "energy_curve": [0.5, 1.0]}
        ids, vectors = next(embedded_vectors(session, "m"))
    assert ids.tolist() == [song.id] and vectors.shape == (1, 384)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)


def test_filters_select_ids_by_source_usability_duration_tempo_and_tags(db_url: str) -> None:
    db = database_for_url(db_url)
    a, b, c, d, _ = add(
        db,
        make_song("a", bpm=95, duration=40, tags=("calm",)),
        make_song("b", bpm=125, duration=200, tags=("calm", "piano")),
        make_song("c", bpm=140, duration=20, source="builtin"),
        make_song("d", source="spotify", usable=False, bpm=None, duration=300, tags=("calm",)),
        make_song("no-vector", vector_seed=None),
    )
    with db.session() as session:
        def ids(**kw: object) -> set[int]:
            return set(filtered_ids(session, SongFilter(**kw)))  # type: ignore[arg-type]

        assert ids() == {a, b, c, d}
        assert ids(usable_only=True) == {a, b, c}
        assert ids(sources=("builtin", "spotify")) == {c, d}
        assert ids(min_duration_s=30, max_duration_s=100) == {a}
        assert ids(bpm_min=90, bpm_max=130) == {a, b}
        assert ids(tags=("calm",)) == {a, b, d}
        assert ids(tags=("calm", "PIANO")) == {b}


def test_fingerprint_changes_when_a_song_is_added_or_removed(db_url: str) -> None:
    """An index built before a change no longer matches the table after it."""
    db = database_for_url(db_url)
    with db.session() as session:
        empty = catalog_fingerprint(session, "m")
    (a,) = add(db, make_song("a"))
    with db.session() as session:
        one = catalog_fingerprint(session, "m")
        delete_songs(session, [a])
    with db.session() as session:
        after = catalog_fingerprint(session, "m")
        assert empty != one and after != one
        assert count_by_source(session) == {}


def test_deleted_ids_are_never_reused_on_sqlite(tmp_path: Path) -> None:
    db = database_for_url(f"sqlite:///{tmp_path / 'ids.db'}")
    a, b = add(db, make_song("a"), make_song("b"))
    with db.session() as session:
        delete_songs(session, [b])
    (c,) = add(db, make_song("c"))
    assert c > b > a


def test_default_database_is_a_sqlite_file_in_the_data_dir(settings) -> None:
    db = open_database(settings)
    assert db.engine.dialect.name == "sqlite"
    assert (settings.data_dir / "reelforge.db").is_file()


def test_a_bad_database_url_is_one_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="REELFORGE_DATABASE_URL"):
        database_for_url("notadb://what")
    with pytest.raises(InputError, match="cannot open or migrate"):
        database_for_url("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
