"""Fixtures for the spine: one real offline `make`, shared by the tests that inspect its output."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.domain import Brief
from reelforge.pipeline.runner import JobResult, make_video
from reelforge.settings import Settings


@pytest.fixture(scope="session")
def spine_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("spine")
    return Settings(
        _env_file=None,
        data_dir=root / "data",
        out_dir=root / "out",
        script_engine="template",
        video_engine="local",
        music_engine="builtin",
    )


@pytest.fixture(scope="session")
def made(spine_settings: Settings) -> JobResult:
    """A real 9:16 full-size video made offline (the expensive part, done once)."""
    brief = Brief(
        prompt="Why octopuses are smarter than you think",
        duration_s=14,
        aspect="9:16",
        voice="joe",
        emotion="curious",
        intensity=0.7,
    )
    return make_video(brief, spine_settings, Path(spine_settings.out_dir))
