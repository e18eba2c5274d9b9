"""The composer: a piece of exactly the asked length, in the asked tempo and key, whose sections
turn where the video turns, softer under narration, ending in silence after its cadence."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reelforge.errors import DependencyMissing, InputError
from reelforge.media.audio_analysis import analyse_audio, decode_audio
from reelforge.media.midi_render import SAMPLE_RATE, find_synth
from reelforge.providers.music.composer import Composer
from reelforge.providers.music.moods import ANTI_PHASE_PROGRAMS, MOODS, STYLES, resolve_mood
from reelforge.providers.music.score_writer import UNDER_SPEECH, choose_params, write_score

REQUIRED_MOODS = {"calm", "tender", "happy", "energetic", "nostalgic", "tense", "dark", "epic",
                  "sad", "mysterious", "playful", "romantic", "inspiring"}

try:
    find_synth()
    HAVE_SYNTH = True
except DependencyMissing:
    HAVE_SYNTH = False
needs_synth = pytest.mark.skipif(not HAVE_SYNTH, reason="fluidsynth + fluid-soundfont-gm missing "
                                 "(scripts/install-system-deps)")


@pytest.fixture
def composer(tmp_path: Path) -> Composer:
    return Composer(tmp_path / "composed")


def rms_db(samples: np.ndarray, start_s: float, end_s: float, sr: int = SAMPLE_RATE) -> float:
    window = samples[int(start_s * sr):int(end_s * sr)]
    return 20 * float(np.log10(np.sqrt(np.mean(window.astype(np.float64) ** 2)) + 1e-12))


def test_the_composer_knows_every_mood_the_issue_names() -> None:
    assert set(MOODS) >= REQUIRED_MOODS
    for style in STYLES.values():  # programs are General MIDI, tempi plausible
        programs = (style.pad, style.bass, style.lead, style.pulse)
        assert all(0 <= p <= 127 for p in programs)
        assert not ANTI_PHASE_PROGRAMS & set(programs), style.mood
        assert 40 <= style.tempo[0] <= style.tempo[1] <= 200


@needs_synth
@pytest.mark.parametrize("mood", sorted(REQUIRED_MOODS))
def test_each_mood_renders_exactly_the_asked_length_and_ends_in_silence_after_its_cadence(
        composer: Composer, mood: str) -> None:
    piece = composer.compose(mood, 7.3, seed=1)
    samples, sr = sf.read(str(piece.path), always_2d=True)
    assert sr == SAMPLE_RATE and samples.shape[0] == round(7.3 * SAMPLE_RATE)  # to the frame
    mono = samples.mean(axis=1)
    cadence = piece.score.cadence_s
    assert rms_db(mono, cadence, cadence + 0.5) > -30  # the final chord sounds…
    assert np.all(mono[-int(0.05 * sr):] == 0.0)  # …and the last frames are silent
    assert piece.score.params.mood == mood and piece.mood.how == "named"


@needs_synth
def test_a_piece_survives_a_mono_speaker(composer: Composer) -> None:
    for mood in ("energetic", "dark", "mysterious"):
        left, right = sf.read(str(composer.compose(mood, 6.0).path))[0].T
        assert np.corrcoef(left, right)[0, 1] > 0.0, mood  # no anti-phase patch cancels out


@needs_synth
def test_asked_120_bpm_in_a_minor_measures_120_bpm_and_a_minor(composer: Composer) -> None:
    piece = composer.compose("energetic", 12.0, bpm=120, key="A minor", seed=3)
    features = analyse_audio(decode_audio(piece.path))
    assert abs(features.bpm - 120) <= 2, features.bpm
    assert features.key_name == "A minor", features.key_name
    assert piece.track.bpm == 120 and piece.track.key == "A minor"


@needs_synth
def test_a_major_key_and_its_tempo_are_measured_as_asked(composer: Composer) -> None:
    piece = composer.compose("happy", 12.0, bpm=118, key="D major", seed=1)
    features = analyse_audio(decode_audio(piece.path))
    assert abs(features.bpm - 118) <= 2, features.bpm
    assert features.key_name == "D major", features.key_name


@pytest.mark.parametrize("bpm", [40, 45, 60, 72, 97, 119, 120, 138, 220])
def test_sections_start_within_a_quarter_second_of_the_scene_boundaries(bpm: int) -> None:
    boundaries = (6.13, 13.77, 21.4)
    for mood in ("calm", "epic", "tense"):
        params = choose_params(STYLES[mood], 30.0, 0, bpm=bpm, sections_s=boundaries)
        score = write_score(STYLES[mood], params)
        starts = [s.start_s for s in score.sections[1:]]
        assert len(starts) == len(boundaries)
        assert all(abs(s - b) <= 0.25 for s, b in zip(starts, boundaries, strict=True)), starts
        levels = [s.level for s in score.sections]  # a lift or a drop at every boundary
        assert all(abs(a - b) >= 0.3 for a, b in itertools.pairwise(levels))


@needs_synth
def test_the_music_audibly_lifts_or_drops_at_each_boundary(composer: Composer) -> None:
    piece = composer.compose("epic", 16.0, bpm=96, sections_s=(5.0, 10.0), seed=2)
    mono = sf.read(str(piece.path))[0].mean(axis=1)
    for section in piece.score.sections[1:]:
        before = rms_db(mono, section.start_s - 1.0, section.start_s)
        after = rms_db(mono, section.start_s, section.start_s + 1.0)
        assert abs(after - before) > 1.5, (section, before, after)


def test_notes_that_start_under_narration_are_played_softer() -> None:
    speech = ((1.0, 6.0), (9.0, 14.0))
    style = STYLES["inspiring"]
    plain = write_score(style, choose_params(style, 16.0, 4))
    ducked = write_score(style, choose_params(style, 16.0, 4, speech_s=speech))
    for a, b in zip(plain.notes, ducked.notes, strict=True):
        spoken = any(s <= a.start_s < e for s, e in speech)
        expected = max(1, round(a.velocity * UNDER_SPEECH)) if spoken else a.velocity
        assert abs(b.velocity - expected) <= 1


def test_the_final_cadence_is_the_tonic_chord_with_time_to_ring_out() -> None:
    style = STYLES["sad"]
    score = write_score(style, choose_params(style, 20.0, 0, key="D minor"))
    at_cadence = {n.pitch % 12 for n in score.notes if n.start_s == score.cadence_s
                  and n.channel != 9}
    assert at_cadence == {2, 5, 9}  # D F A
    assert 20.0 - score.cadence_s >= 2.0  # the chord has time to ring out before the end


@needs_synth
def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_piece(
        composer: Composer, tmp_path: Path) -> None:
    def digest(seed: int, name: str) -> str:
        piece = composer.compose("playful", 6.0, seed=seed, out_wav=tmp_path / name)
        return hashlib.sha256(piece.path.read_bytes()).hexdigest()

    assert digest(5, "a.wav") == digest(5, "b.wav")
    assert digest(5, "a.wav") != digest(6, "c.wav")


@pytest.mark.parametrize("duration", [4.9, 600.5, 0, -3])
def test_a_duration_outside_5_to_600_s_is_refused_naming_the_range(composer: Composer,
                                                                   duration: float) -> None:
    with pytest.raises(InputError, match="5–600 s"):
        composer.compose("calm", duration)


def test_a_missing_soundfont_is_one_error_naming_the_install_command(tmp_path: Path) -> None:
    composer = Composer(tmp_path, soundfont=tmp_path / "none.sf2")
    with pytest.raises(DependencyMissing) as raised:
        composer.compose("calm", 10.0)
    assert "soundfont" in raised.value.message
    assert "apt-get install fluidsynth fluid-soundfont-gm" in (raised.value.hint or "")


def test_a_missing_synthesizer_is_named_too(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DependencyMissing, match="fluidsynth synthesizer"):
        find_synth()


@needs_synth
def test_an_unreadable_key_or_tempo_is_refused(composer: Composer) -> None:
    with pytest.raises(InputError, match="cannot read the key"):
        composer.compose("calm", 10.0, key="H sharp dorian")
    with pytest.raises(InputError, match="40–220"):
        composer.compose("calm", 10.0, bpm=400)


def test_an_unknown_mood_word_maps_to_the_nearest_mood_and_says_so() -> None:
    found = resolve_mood("grief at a funeral")
    assert found.mood == "sad" and found.how == "nearest" and 0 < found.similarity < 1
    assert "nearest by meaning" in found.explain("grief at a funeral")
    assert resolve_mood("a tense chase at night").how == "named"
