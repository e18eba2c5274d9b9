"""Searching the analysed built-in catalog: labelled queries, filters, index upkeep."""

from __future__ import annotations

import numpy as np
import pytest

from reelforge.errors import InputError
from reelforge.media.index import index_stamp, load_index
from reelforge.providers.music.catalog import SongCatalog, SongInput, builtin_tracks
from reelforge.store.songs import SongFilter

# (query, the mood folder whose tracks are a correct answer, optional style that must match)
LABELLED_QUERIES: list[tuple[str, str, str | None]] = [
    ("peaceful relaxing background for meditation", "calm", None),
    ("soothing slow acoustic guitar", "calm", "acoustic"),
    ("high energy workout music", "energetic", None),
    ("powerful driving electronic track for an action montage", "energetic", "electronic"),
    ("cheerful sunny day", "happy", None),
    ("joyful uplifting acoustic song for a wedding video", "happy", "acoustic"),
    ("bittersweet memories of childhood", "nostalgic", None),
    ("wistful reflective piano looking back at old photos", "nostalgic", None),
    ("romantic gentle love scene", "tender", None),
    ("warm intimate moment between a parent and baby", "tender", None),
    ("melancholic electronic ambience", "nostalgic", "electronic"),
    ("upbeat positive product promo", "happy", None),
    # Twelve more, written before measuring the int8 encoder (12 queries move precision@3 by
    # 0.028 per result, too coarse to compare two encoders).
    ("calm ambient electronic for focus and study", "calm", "electronic"),
    ("quiet background for a yoga session", "calm", None),
    ("fast exciting sports highlights", "energetic", None),
    ("intense acoustic drums and guitar for an adventure", "energetic", "acoustic"),
    ("playful happy electronic pop for a travel vlog", "happy", "electronic"),
    ("bright optimistic morning routine", "happy", None),
    ("longing for the past, old home videos", "nostalgic", None),
    ("retro dreamy synth memories", "nostalgic", "electronic"),
    ("soft affectionate lullaby", "tender", None),
    ("gentle acoustic love letter", "tender", "acoustic"),
    ("serene nature documentary", "calm", None),
    ("adrenaline rush", "energetic", None),
]


def is_relevant(track_id: str, mood: str, style: str | None) -> bool:
    folder, name = track_id.removeprefix("builtin:").split("/")
    return folder == mood and (style is None or style in name)


def test_built_in_catalog_has_all_28_tracks_with_licence_tempo_and_key(builtin_catalog) -> None:
    songs = builtin_catalog.songs("builtin")
    assert len(songs) == 28 == len(builtin_tracks())
    calm = next(s for s in songs if s.key == "builtin:calm/calm_acoustic_1")
    assert (calm.bpm, calm.musical_key, calm.usable_as_audio) == (68.0, "C major", True)
    assert "MIT" in calm.licence and calm.tags == ["calm", "acoustic"]
    assert "calm" in calm.description and "68 BPM" in calm.description


def test_measured_tempo_of_built_in_tracks_agrees_with_their_licence(builtin_catalog) -> None:
    """Most tracks within 4% of the listed BPM, allowing the usual half/double-time reading."""
    agree = 0
    songs = builtin_catalog.songs("builtin")
    for song in songs:
        measured = song.features["bpm"]
        agree += any(abs(measured * f - song.bpm) <= 0.04 * song.bpm for f in (0.5, 1, 2))
    print(f"\nbuilt-in tempo: {agree}/{len(songs)} within 4% of the listed BPM (or half/double)")
    assert agree / len(songs) >= 0.6, f"{agree}/{len(songs)}"


PITCHES = {"C": 0, "C#": 1, "D": 2, "Eb": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "Ab": 8, "A": 9,
           "Bb": 10, "B": 11}


def related_keys(key: str) -> set[tuple[int, str]]:
    """The key itself, its relative and parallel keys, and its neighbours on the circle of
    fifths (dominant and subdominant) — the usual confusions of a key finder."""
    tonic, mode = key.split()
    t = PITCHES[tonic]
    relative = ((t + 9) % 12, "minor") if mode == "major" else ((t + 3) % 12, "major")
    parallel = (t, "minor" if mode == "major" else "major")
    return {(t, mode), relative, parallel, ((t + 7) % 12, mode), ((t + 5) % 12, mode)}


def test_measured_key_of_built_in_tracks_is_the_listed_key_or_a_related_one(
    builtin_catalog,
) -> None:
    exact = related = 0
    songs = builtin_catalog.songs("builtin")
    for song in songs:
        measured = (PITCHES[song.features["key"]], song.features["mode"])
        tonic, mode = song.musical_key.split()
        exact += measured == (PITCHES[tonic], mode)
        related += measured in related_keys(song.musical_key)
    print(f"\nbuilt-in keys: {exact}/{len(songs)} exact, {related}/{len(songs)} exact or related")
    assert related / len(songs) >= 0.7 and exact / len(songs) >= 0.35


def test_labelled_queries_rank_a_matching_track_first_with_precision_at_3_near_90_percent(
    builtin_catalog,
) -> None:
    """Measured with the prepared int8 encoder: 21 of 24 queries have a correct first result,
    precision@3 = 0.903 (the float model: 21 of 24, 0.889). One CI run measured 20 of 24,
    0.875 with the same code (not reproduced here; likely cause: int8 kernels round differently
    across CPUs, VNNI or not), and
    two queries are decided by < 0.01 of cosine ("joyful uplifting acoustic…" 0.3720 tender
    against 0.3687 happy). The bar is one query below the measured level, so a rounding flip
    passes and a real ranking regression (two or more queries) does not."""
    firsts, precisions = [], []
    for query, mood, style in LABELLED_QUERIES:
        hits = builtin_catalog.search(query, k=3)
        firsts.append(is_relevant(hits[0].track.id, mood, style))
        precisions.append(np.mean([is_relevant(h.track.id, mood, style) for h in hits]))
    precision_at_3 = float(np.mean(precisions))
    print(f"\nlabelled queries: {sum(firsts)}/{len(firsts)} correct first, "
          f"precision@3 = {precision_at_3:.3f}")
    assert sum(firsts) >= len(LABELLED_QUERIES) - 4
    assert precision_at_3 >= 0.86


def test_filters_apply_before_ranking_so_every_result_passes(builtin_catalog) -> None:
    # The best "calm" tracks are 68-72 BPM; asking for 90-130 must return k in-range tracks,
    # not the calm ones filtered away after truncation.
    hits = builtin_catalog.search("calm relaxing", k=5,
                                  song_filter=SongFilter(bpm_min=90, bpm_max=130))
    assert len(hits) == 5
    assert all(90 <= h.track.bpm <= 130 for h in hits)


def test_a_filter_nothing_passes_gives_no_results(builtin_catalog) -> None:
    assert builtin_catalog.search("calm", song_filter=SongFilter(min_duration_s=3600)) == []


def test_metadata_only_songs_are_found_but_never_when_usable_audio_is_asked(
    builtin_catalog,
) -> None:
    builtin_catalog.add([SongInput(
        key="spotify:abc", source="spotify", title="Ocean Lullaby", artist="Mira Holt",
        usable_as_audio=True,  # a source cannot make Spotify audio usable
        description="“Ocean Lullaby” by Mira Holt, calm sleepy ocean lullaby",
    )])
    query = "ocean lullaby by Mira Holt"
    assert builtin_catalog.search(query, k=1)[0].track.id == "spotify:abc"
    hits = builtin_catalog.search(query, k=28, song_filter=SongFilter(usable_only=True))
    assert len(hits) == 28 and all(h.track.source == "builtin" for h in hits)


def test_mood_tags_boost_without_excluding(builtin_catalog) -> None:
    plain = builtin_catalog.search("acoustic guitar piece", k=28)
    boosted = builtin_catalog.search("acoustic guitar piece", k=28, boost_tags=("tender",))
    assert len(boosted) == 28
    assert boosted[0].track.moods == ["tender"]
    assert plain[0].track.moods != ["tender"] or plain[0].score < boosted[0].score


def test_empty_query_is_an_input_error(builtin_catalog) -> None:
    with pytest.raises(InputError, match="empty"):
        builtin_catalog.search("   ")


def test_second_built_in_check_does_no_work(builtin_settings) -> None:
    assert SongCatalog(builtin_settings).ensure_builtin() == 0


def test_a_deleted_index_file_is_rebuilt_from_the_database(builtin_settings) -> None:
    catalog = SongCatalog(builtin_settings)
    location = catalog.location
    assert load_index(location) is not None
    import os

    os.unlink(location)
    assert len(catalog.index()) == 28
    assert load_index(location) is not None


def test_an_index_that_missed_a_database_change_is_rebuilt(builtin_settings) -> None:
    writer = SongCatalog(builtin_settings)
    stale = load_index(writer.location)
    assert stale is not None
    writer.add([SongInput(key="library:x", source="library", title="Thunder Drums",
                          description="thunderous taiko drums, huge and loud")])
    # a crash between the database commit and the index write leaves the old file behind
    from reelforge.media.index import save_index

    save_index(stale, writer.location)
    reader = SongCatalog(builtin_settings)
    assert reader.search("taiko drums", k=1)[0].track.title == "Thunder Drums"
    assert index_stamp(reader.location) is not None


def test_outdated_descriptions_are_rewritten_from_stored_features_without_decoding(
    builtin_catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reelforge.providers.music.song_analysis as song_analysis

    def no_decoding(*_args: object) -> None:
        raise AssertionError("nothing should be decoded")

    monkeypatch.setattr(song_analysis, "decode_audio", no_decoding)
    with builtin_catalog.db.session() as session:
        from reelforge.store.songs import song_by_key

        row = song_by_key(session, "builtin:calm/calm_acoustic_1")
        assert row is not None
        fresh = row.description
        row.description = "an old wording from an earlier version"
    assert builtin_catalog.refresh_descriptions() == 1
    assert builtin_catalog.refresh_descriptions() == 0
    (row,) = [s for s in builtin_catalog.songs("builtin") if s.key.endswith("calm_acoustic_1")]
    assert row.description == fresh
    assert builtin_catalog.search("calm relaxing acoustic", k=3)[0].track.moods == ["calm"]
