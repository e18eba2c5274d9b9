"""Choosing the music: search first; a weak match (or a mood no song has) falls to the composer,
and the MusicChoice says why. Every music engine is one row of the engine table."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.domain import Clip, Narration, Plan, Scene, Track
from reelforge.errors import InputError
from reelforge.media.midi_render import SAMPLE_RATE
from reelforge.pipeline.score import VideoForm, choose_music
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.steps.score import video_form
from reelforge.pipeline.steps.visualize import Clips
from reelforge.pipeline.timeline import CROSSFADE_S, FIRST_LEAD_S
from reelforge.providers import registry
from reelforge.providers.base import MusicRequest, ScoredTrack
from reelforge.providers.music.composer import Composer
from reelforge.providers.music.search_or_compose import SearchOrCompose
from reelforge.settings import Settings

from .test_composer import needs_synth

THRESHOLD = 0.35


@dataclass
class OneSongSource:
    """A search source that always finds one song, with a given similarity."""

    song: Track
    similarity: float
    name: str = "one-song"
    version: str = "1"

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        return [ScoredTrack(self.song, self.similarity, f"cosine {self.similarity:.2f}")]


@pytest.fixture
def song(tmp_path: Path) -> Track:
    path = tmp_path / "song.wav"
    sf.write(str(path), np.zeros(30 * 8000, dtype=np.float32), 8000)
    return Track(id="builtin:calm/calm_1", title="Calm 1", source="builtin", path=str(path),
                 duration_s=30.0, moods=["calm"], licence="MIT")


def plan(brief: str, mood: str = "calm") -> Plan:
    return Plan(title="t", template="story", music_brief=brief, mood=mood,
                scenes=[Scene(index=0, title="s", narration="Hello.", visual_prompt="x",
                              mood=mood)])


FORM = VideoForm(9.0, sections_s=(4.0,), speech_s=((0.25, 3.0),), seed=1)


@needs_synth
def test_a_weak_catalog_match_falls_back_to_the_composer_and_the_choice_says_why(
        song: Track, tmp_path: Path) -> None:
    source = SearchOrCompose(OneSongSource(song, 0.09), Composer(tmp_path / "c"), THRESHOLD)
    choice = choose_music(plan("tense chase scene at night"), FORM.duration_s, source, FORM)
    assert choice is not None and choice.track.source == "composed"
    assert "Calm 1, has cosine 0.09 < 0.35" in choice.reason and "weak match" in choice.reason
    for words in ("composed: mood tense", "sections at 0.00, ", "1 narration spans",
                  "seed 1", "licence: generated", "MIT"):
        assert words in choice.reason, words
    section = re.search(r"sections at 0\.00, ([\d.]+) s", choice.reason)
    assert section and abs(float(section.group(1)) - 4.0) <= 0.25
    assert choice.start_s == 0.0 and choice.track.duration_s == 9.0
    frames = sf.info(choice.track.path).frames
    assert frames == round(9.0 * SAMPLE_RATE)


def test_a_strong_match_keeps_the_song(song: Track, tmp_path: Path) -> None:
    source = SearchOrCompose(OneSongSource(song, 0.62), Composer(tmp_path / "c"), THRESHOLD)
    choice = choose_music(plan("calm: gentle morning"), FORM.duration_s, source, FORM)
    assert choice is not None and choice.track.id == song.id
    assert "composed" not in choice.reason


@needs_synth
def test_a_mood_no_song_has_is_composed_even_when_the_match_looks_strong(
        song: Track, tmp_path: Path) -> None:
    source = SearchOrCompose(OneSongSource(song, 0.62), Composer(tmp_path / "c"), THRESHOLD)
    choice = choose_music(plan("epic reveal of the new bridge"), FORM.duration_s, source, FORM)
    assert choice is not None and choice.track.source == "composed"
    assert "asks for epic music and no song in the catalog or the library is epic" in \
        choice.reason
    assert choice.track.moods == ["epic"]


def test_without_the_synthesizer_auto_keeps_the_weak_song_and_says_so(
        song: Track, tmp_path: Path) -> None:
    composer = Composer(tmp_path / "c", soundfont=tmp_path / "missing.sf2")
    source = SearchOrCompose(OneSongSource(song, 0.09), composer, THRESHOLD)
    choice = choose_music(plan("tense chase"), FORM.duration_s, source, FORM)
    assert choice is not None and choice.track.id == song.id
    assert "the composer is unavailable" in choice.reason
    assert "apt-get install fluidsynth fluid-soundfont-gm" in choice.reason


def test_the_library_engine_never_composes(song: Track) -> None:
    choice = choose_music(plan("tense chase"), FORM.duration_s, OneSongSource(song, 0.09), FORM)
    assert choice is not None and choice.track.id == song.id


@needs_synth
def test_the_composed_engine_always_composes_for_the_video(tmp_path: Path) -> None:
    choice = choose_music(plan("calm: gentle"), FORM.duration_s, Composer(tmp_path), FORM)
    assert choice is not None and choice.track.source == "composed"
    assert choice.reason.startswith("the composed engine was chosen; composed: mood calm")


@pytest.mark.parametrize("choice", registry.ENGINE_CHOICES["music"])
def test_every_music_choice_is_one_row_of_the_engine_table(choice: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, music_engine=choice)
    assert registry.selected_engines(settings)["music"] == choice
    assert registry.music_source(settings).name == registry.ENGINE_NAMES[("music", choice)]


def test_a_job_may_choose_the_composer_and_nothing_unknown(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert registry.settings_for(settings, {"music": "composed"}).music_engine == "composed"
    with pytest.raises(InputError, match="unknown music engine 'jazz'") as raised:
        registry.settings_for(settings, {"music": "jazz"})
    assert "auto, builtin, catalog, library, composed" in (raised.value.hint or "")


def test_the_video_form_puts_a_boundary_mid_cross_fade_and_spans_each_narration() -> None:
    clips = Clips(items=[Clip(scene_index=i, video=f"{i}.mp4", duration_s=d, width=8, height=8,
                              fps=12, engine="x") for i, d in enumerate((5.0, 6.0, 4.0))],
                  keys=["a", "b", "c"])
    narrations = Narrations(items=[
        Narration(scene_index=i, audio=f"{i}.wav", duration_s=s, sample_rate=22050, cues=[],
                  engine="piper", voice="joe") for i, s in enumerate((3.0, 4.0, 2.0))],
        keys=["a", "b", "c"])
    form = video_form(clips, narrations, seed=7)
    second = 5.0 - CROSSFADE_S
    third = second + 6.0 - CROSSFADE_S
    assert form.sections_s == (second + CROSSFADE_S / 2, third + CROSSFADE_S / 2)
    assert form.speech_s[0] == (FIRST_LEAD_S, FIRST_LEAD_S + 3.0)
    assert form.speech_s[1] == (second + CROSSFADE_S, second + CROSSFADE_S + 4.0)
    assert form.duration_s == 15.0 - 2 * CROSSFADE_S and form.seed == 7


runner = CliRunner()


@needs_synth
def test_music_compose_writes_the_piece_asked_for(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "score.wav"
    result = runner.invoke(app, ["music", "compose", "tense chase at night", "--duration", "8",
                                 "--out", str(out), "--bpm", "100", "--key", "D minor",
                                 "--seed", "2", "--sections", "3", "--json"],
                           catch_exceptions=False)
    found = json.loads(result.stdout)
    assert found["mood"]["mood"] == "tense" and found["params"]["bpm"] == 100
    assert found["params"]["tonic"] == "D" and found["params"]["mode"] == "minor"
    assert [s["start_s"] for s in found["sections"]] == [0.0, 3.0]
    assert sf.info(str(out)).frames == 8 * SAMPLE_RATE and "MIT" in found["licence"]


def test_music_compose_refuses_a_duration_outside_the_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["music", "compose", "calm", "--duration", "3",
                                 "--out", str(tmp_path / "x.wav")])
    assert isinstance(result.exception, InputError)
    assert "5–600 s" in str(result.exception)


@needs_synth
def test_the_issue_brief_against_the_real_catalog_composes_and_a_template_brief_does_not(
        builtin_settings) -> None:
    """'tense chase scene at night' matched a tender track at 0.09 before; now it composes."""
    source = registry.music_source(builtin_settings)  # auto
    assert isinstance(source, SearchOrCompose)
    tense = choose_music(plan("tense chase scene at night"), FORM.duration_s, source, FORM)
    assert tense is not None and tense.track.source == "composed"
    assert "weak match" in tense.reason and "mood tense" in tense.reason
    calm = choose_music(plan("calm: curious, light, steadily building instrumental background "
                             "with a hopeful lift"), FORM.duration_s, source, FORM)
    assert calm is not None and calm.track.source == "builtin" and "composed" not in calm.reason


def test_a_composed_piece_is_copied_into_the_job_folder_and_recomposed_when_gone(
        tmp_path: Path) -> None:
    from reelforge.domain import MusicChoice
    from reelforge.pipeline.steps.score import MusicPick, keep_composed

    piece = tmp_path / "cache" / "calm-1.wav"
    piece.parent.mkdir()
    piece.write_bytes(b"RIFF-piece")
    track = Track(id="composed:calm-1", title="Calm", source="composed", path=str(piece))
    pick = MusicPick(choice=MusicChoice(track=track, query="calm", score=1.0, reason="r"))
    job_dir = tmp_path / "job"
    kept = keep_composed(pick, job_dir, recompose=lambda: pytest.fail("not needed"))
    assert kept == pick  # still the cached piece: assembly's cache key does not change
    assert (job_dir / "music.wav").read_bytes() == b"RIFF-piece"

    piece.unlink()  # the cache was cleaned: composing again writes the same file

    def recompose() -> MusicPick:
        piece.write_bytes(b"RIFF-piece")
        return pick

    keep_composed(pick, tmp_path / "job2", recompose)
    assert (tmp_path / "job2" / "music.wav").read_bytes() == b"RIFF-piece"
