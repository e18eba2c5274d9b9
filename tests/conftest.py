"""Fixtures shared by every test: isolated settings so no test touches the user's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose data and output folders live in this test's tmp_path, offline engines only."""
    for var in ("OPENAI_API_KEY", "HUME_API_KEY", "RUNWARE_API_KEY", "SPOTIFY_CLIENT_ID",
                "SPOTIFY_CLIENT_SECRET", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(tmp_path / "data"))
    return Settings(_env_file=None, data_dir=tmp_path / "data", out_dir=tmp_path / "out")
