"""Fixtures for the music tests: synthesised audio, and one analysed built-in catalog per session.

Analysing the 28 built-in tracks costs ~15 s of CPU, so it happens once per session in a
template data folder; each test that needs it gets its own copy (a few hundred KB).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reelforge.providers.music.catalog import SongCatalog
from reelforge.settings import Settings
from reelforge.store.db import forget_databases

SR = 22050


def click_track(bpm: float, seconds: float = 20.0, sr: int = SR) -> np.ndarray:
    """Short 1 kHz clicks exactly every beat."""
    y = np.zeros(int(seconds * sr), dtype=np.float32)
    n = int(0.01 * sr)
    click = np.sin(2 * np.pi * 1000 * np.arange(n) / sr) * np.exp(-np.arange(n) / (0.002 * sr))
    for t in np.arange(0.0, seconds - 0.02, 60.0 / bpm):
        i = round(float(t) * sr)
        y[i : i + n] += click.astype(np.float32)
    return y


def chord(midi_notes: tuple[int, ...], seconds: float, sr: int = SR) -> np.ndarray:
    """A plucked chord of harmonic tones (three partials each)."""
    t = np.arange(int(seconds * sr)) / sr
    y = np.zeros_like(t)
    for note in midi_notes:
        freq = 440.0 * 2 ** ((note - 69) / 12)
        for h in (1, 2, 3):
            y += np.sin(2 * np.pi * freq * h * t) / h
    return (y * (np.exp(-t * 1.5) + 0.3)).astype(np.float32)


def progression(chords: list[tuple[int, ...]], seconds_each: float = 1.0, repeats: int = 3):
    return 0.15 * np.concatenate([chord(c, seconds_each) for c in chords] * repeats)


C_MAJOR_PROGRESSION = [(60, 64, 67), (65, 69, 72), (67, 71, 74), (60, 64, 67)]  # I IV V I
A_MINOR_PROGRESSION = [(57, 60, 64), (62, 65, 69), (64, 68, 71), (57, 60, 64)]  # i iv V i


def write_audio(path: Path, samples: np.ndarray, sr: int = SR, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples, sr, **kwargs)
    return path


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    """Each test opens its own database; engines of earlier tests are closed."""
    yield
    forget_databases()


def music_settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, out_dir=data_dir.parent / "out")


@pytest.fixture(scope="session")
def builtin_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose catalog holds the analysed, embedded built-in tracks."""
    data_dir = tmp_path_factory.mktemp("builtin") / "data"
    catalog = SongCatalog(music_settings(data_dir))
    added = catalog.ensure_builtin(workers=2)
    assert added == 28
    forget_databases()
    return data_dir


@pytest.fixture
def builtin_settings(builtin_template: Path, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a private copy of the built-in catalog (the CLI sees it too)."""
    data_dir = tmp_path / "data"
    shutil.copytree(builtin_template, data_dir)
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("REELFORGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("REELFORGE_ARTIFACT_URL", raising=False)
    return music_settings(data_dir)


@pytest.fixture
def builtin_catalog(builtin_settings: Settings) -> SongCatalog:
    return SongCatalog(builtin_settings)
