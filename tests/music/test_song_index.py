"""The song index follows the table incrementally: one new song costs one encoding, no rebuild."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelforge.media.embeddings import TextEncoder, get_text_encoder
from reelforge.media.index import load_index
from reelforge.providers.music.catalog import SongCatalog, SongInput
from reelforge.store.songs import CatalogFingerprint, catalog_fingerprint

from .conftest import music_settings


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def song(title: str) -> SongInput:
    return SongInput(key=f"library:{title}", source="library", title=title,
                     description=f"{title}, a song about {title.lower()}")


def test_adding_one_song_to_an_indexed_catalog_encodes_one_song_and_never_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = CountingEncoder(get_text_encoder())
    catalog = SongCatalog(music_settings(tmp_path / "data"), encoder=encoder)  # type: ignore[arg-type]
    catalog.add([song("Rain"), song("Thunder"), song("Sunshine")])
    builds: list[int] = []
    real_build = catalog.song_index._build

    def counting_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        builds.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(catalog.song_index, "_build", counting_build)
    encoder.texts.clear()

    (new_id,) = catalog.add([song("Snowfall")])

    assert encoder.texts == ["Snowfall, a song about snowfall"]
    assert builds == []  # the saved index was updated in place
    stored = load_index(catalog.location)
    assert stored is not None and sorted(stored.ids.tolist())[-1] == new_id and len(stored) == 4
    with catalog.db.session() as session:
        table = catalog_fingerprint(session, encoder.model_id)
    assert CatalogFingerprint.from_json(stored.fingerprint) == table
    assert catalog.search("snow", k=1)[0].track.title == "Snowfall"
    assert builds == []  # and a reader trusts it


def test_a_fingerprint_with_an_iso_time_round_trips_through_json() -> None:
    fingerprint = CatalogFingerprint(model_id="m:int8", count=3, id_sum=6,
                                     newest="2026-12-02T02:23:20.123456+00:00")
    assert CatalogFingerprint.from_json(fingerprint.to_json()) == fingerprint


@pytest.mark.parametrize("stored", ["", "m:3:6:2026-12-02T02:23:20", "[1, 2]", '{"count": 3}'])
def test_a_stored_fingerprint_of_an_older_layout_reads_as_none(stored: str) -> None:
    assert CatalogFingerprint.from_json(stored) is None
