"""Audio features on audio whose answer is known: synthesised clicks, chords, tones, silence."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import InputError
from reelforge.media.audio_analysis import (
    AudioFeatures,
    analyse_audio,
    decode_audio,
    integrated_loudness,
)
from reelforge.media.ffmpeg import run_ffmpeg

from .conftest import (
    A_MINOR_PROGRESSION,
    C_MAJOR_PROGRESSION,
    SR,
    click_track,
    progression,
    write_audio,
)


@pytest.mark.parametrize("bpm", [90.0, 120.0, 145.0])
def test_click_track_tempo_is_found_within_2_bpm(bpm: float) -> None:
    features = analyse_audio(click_track(bpm), SR)
    assert abs(features.bpm - bpm) <= 2.0, features.bpm


def test_click_track_at_120_bpm_has_beats_half_a_second_apart() -> None:
    features = analyse_audio(click_track(120.0), SR)
    gaps = np.diff(features.beat_times)
    assert len(features.beat_times) >= 35
    assert np.median(gaps) == pytest.approx(0.5, abs=0.03)
    # every detected beat sits on a click (clicks are at whole multiples of 0.5 s)
    half_beats = np.asarray(features.beat_times) * 2
    assert np.max(np.abs(half_beats - np.round(half_beats))) < 0.1


def test_c_major_chord_progression_is_found_as_c_major() -> None:
    features = analyse_audio(progression(C_MAJOR_PROGRESSION), SR)
    assert (features.key, features.mode) == ("C", "major")


def test_a_minor_chord_progression_is_found_as_a_minor() -> None:
    features = analyse_audio(progression(A_MINOR_PROGRESSION), SR)
    assert (features.key, features.mode) == ("A", "minor")


def test_full_scale_1khz_sine_measures_minus_3_lufs_and_20_db_less_is_20_lu_quieter() -> None:
    t = np.arange(SR * 5) / SR
    sine = np.sin(2 * np.pi * 1000 * t)
    loud = integrated_loudness(sine, SR)
    assert loud == pytest.approx(-3.01, abs=0.3)  # BS.1770's reference point
    assert integrated_loudness(sine * 0.1, SR) == pytest.approx(loud - 20, abs=0.1)


def test_leading_and_trailing_silence_are_measured() -> None:
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(SR * 4) / SR).astype(np.float32)
    y = np.concatenate([np.zeros(int(SR * 1.5), np.float32), tone, np.zeros(SR, np.float32)])
    features = analyse_audio(y, SR)
    assert features.intro_silence_s == pytest.approx(1.5, abs=0.1)
    assert features.outro_silence_s == pytest.approx(1.0, abs=0.1)


def test_crescendo_energy_curve_rises_to_one_at_the_end() -> None:
    t = np.arange(SR * 10) / SR
    y = (np.linspace(0.05, 1.0, t.size) * np.sin(2 * np.pi * 330 * t) * 0.5).astype(np.float32)
    features = analyse_audio(y, SR)
    curve = features.energy_curve
    assert len(curve) == 10
    assert curve[-1] == pytest.approx(1.0, abs=0.05)
    assert curve[0] < 0.2 and all(b >= a - 0.02 for a, b in itertools.pairwise(curve))


def test_noise_is_brighter_and_denser_than_a_low_sine() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(SR * 5) * 0.1).astype(np.float32)
    low = (0.3 * np.sin(2 * np.pi * 110 * np.arange(SR * 5) / SR)).astype(np.float32)
    assert analyse_audio(noise, SR).brightness_hz > 4 * analyse_audio(low, SR).brightness_hz


def test_features_round_trip_through_a_dict() -> None:
    features = analyse_audio(click_track(100.0, seconds=6.0), SR)
    assert AudioFeatures.from_dict(features.to_dict()) == features


def test_audio_shorter_than_a_second_is_refused_with_its_length() -> None:
    with pytest.raises(InputError, match=r"0\.50 s"):
        analyse_audio(np.zeros(SR // 2, dtype=np.float32), SR)


def test_flac_at_48k_stereo_decodes_to_mono_22050(tmp_path: Path) -> None:
    stereo = np.stack([click_track(120, 3.0, 48000)] * 2, axis=1)
    path = write_audio(tmp_path / "a.flac", stereo, 48000)
    samples = decode_audio(path)
    assert samples.ndim == 1 and samples.size == pytest.approx(3.0 * SR, abs=SR * 0.01)


def test_m4a_is_decoded_through_pyav(tmp_path: Path) -> None:
    wav = write_audio(tmp_path / "a.wav", progression(C_MAJOR_PROGRESSION, repeats=1), SR)
    m4a = tmp_path / "a.m4a"
    run_ffmpeg(["-i", wav, "-c:a", "aac", "-b:a", "96k", m4a])
    samples = decode_audio(m4a)
    assert samples.size == pytest.approx(4.0 * SR, rel=0.05)
    assert analyse_audio(samples, SR).key == "C"


def test_corrupt_file_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"ID3" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r"broken\.mp3"):
        decode_audio(bad)
