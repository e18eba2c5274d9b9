"""The score step: the right song for the brief, placed so the video ends on a musical boundary."""

from __future__ import annotations

import pytest

from reelforge.domain import Plan, Scene
from reelforge.pipeline.score import choose_music, place_track
from reelforge.providers.base import Engine, MusicRequest, MusicSource
from reelforge.providers.music.semantic import SemanticMusicSource
from reelforge.providers.registry import music_source


def features(duration: float, bpm: float = 120.0, *, energy: list[float] | None = None,
             outro: float = 0.0) -> dict:
    period = 60.0 / bpm
    beats = [round(i * period, 3) for i in range(int((duration - outro) / period) + 1)]
    return {"beat_times": beats, "energy_curve": energy or [1.0] * int(duration),
            "intro_silence_s": 0.0, "outro_silence_s": outro, "bpm": bpm}


def plan(brief: str, mood: str) -> Plan:
    return Plan(title="t", template="story", music_brief=brief, mood=mood,
                scenes=[Scene(index=0, title="s", narration="Hello.", visual_prompt="sea",
                              mood=mood)])


def test_a_song_as_long_as_the_video_plays_from_its_start_to_its_own_ending() -> None:
    placed = place_track(features(30.0), 30.0, 30.0)
    assert placed.start_s == 0.0 and placed.loops == 0
    assert "own ending" in placed.ending and placed.fit > 0.9


def test_a_longer_song_is_cut_on_a_beat_at_a_low_energy_point() -> None:
    energy = [1.0] * 60
    energy[20] = 0.2  # a breath in the music at 20 s
    placed = place_track(features(60.0, energy=energy), 60.0, 20.0)
    end = placed.end_in_track_s
    assert placed.loops == 0 and abs(end - round(end * 2) / 2) < 0.06  # on the 120 BPM grid
    assert int(end) == 20 or "own ending" in placed.ending


def test_a_song_shorter_than_the_video_loops_and_says_so() -> None:
    placed = place_track(features(12.0), 12.0, 30.0)
    assert placed.loops >= 2 and placed.fit < 0.9


def test_silence_in_the_window_lowers_the_fit() -> None:
    quiet = [1.0] * 10 + [0.0] * 10 + [1.0] * 10
    assert place_track(features(30.0, energy=quiet), 30.0, 30.0).fit < \
        place_track(features(30.0), 30.0, 30.0).fit


def test_the_semantic_source_satisfies_the_music_source_protocol(builtin_settings) -> None:
    source = SemanticMusicSource.from_settings(builtin_settings)
    assert isinstance(source, Engine)
    typed: MusicSource = source
    results = typed.search(MusicRequest(query="romantic gentle love scene", limit=3))
    assert len(results) == 3 and results[0].track.moods == ["tender"]
    assert "cosine" in results[0].reason and results[0].track.usable_as_audio


def test_the_source_version_changes_when_the_catalog_changes(builtin_settings) -> None:
    from reelforge.providers.music.catalog import SongInput

    source = SemanticMusicSource.from_settings(builtin_settings)
    before = source.version
    source.catalog.add([SongInput(key="library:z", source="library", title="Zither",
                                  description="zither solo")])
    assert source.version != before and before.startswith("1+")


def test_the_registry_serves_semantic_search_by_default(builtin_settings) -> None:
    from reelforge.providers.music.search_or_compose import SearchOrCompose

    default = music_source(builtin_settings)  # auto: search first, compose when weak
    assert isinstance(default, SearchOrCompose)
    assert isinstance(default.searcher, SemanticMusicSource)
    library = music_source(builtin_settings.model_copy(update={"music_engine": "library"}))
    assert isinstance(library, SemanticMusicSource)
    builtin = music_source(builtin_settings.model_copy(update={"music_engine": "builtin"}))
    assert not isinstance(builtin, SemanticMusicSource)


@pytest.mark.parametrize(("brief", "mood", "folder"), [
    ("calm, gentle ambient bed for a slow nature story", "calm", "calm"),
    ("driving, energetic beat for a fast action montage", "energetic", "energetic"),
])
def test_choose_music_picks_a_fitting_track_and_records_why(builtin_settings, brief, mood,
                                                            folder) -> None:
    source = SemanticMusicSource.from_settings(builtin_settings)
    choice = choose_music(plan(brief, mood), 25.0, source)
    assert choice is not None
    assert choice.track.id.startswith(f"builtin:{folder}/")
    assert choice.query == brief and choice.score > 0.3
    for words in ("search score", "cosine", "placement fit", "BPM", "LUFS", "licence: MIT"):
        assert words in choice.reason
    assert 0.0 <= choice.start_s < choice.track.duration_s
