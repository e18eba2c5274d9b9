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


def _service_url(var: str, what: str) -> str:
    """The URL of a real service for tests marked with it; skip (or fail in CI) when absent."""
    import os

    url = os.environ.get(var)
    required = os.environ.get("REELFORGE_REQUIRE_SERVICES") == "1"
    if not url:
        if required:
            pytest.fail(f"{var} is not set but REELFORGE_REQUIRE_SERVICES=1 (CI must test {what})")
        pytest.skip(f"{what} not configured: set {var} to run this test (CI does)")
    return url


@pytest.fixture
def postgres_url() -> str:
    """SQLAlchemy URL of a real PostgreSQL (CI sets REELFORGE_TEST_POSTGRES_URL)."""
    url = _service_url("REELFORGE_TEST_POSTGRES_URL", "PostgreSQL")
    import sqlalchemy

    try:
        with sqlalchemy.create_engine(url).connect():
            pass
    except Exception as exc:
        import os

        if os.environ.get("REELFORGE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL at {url} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def redis_url() -> str:
    """URL of a real Redis (CI sets REELFORGE_TEST_REDIS_URL)."""
    url = _service_url("REELFORGE_TEST_REDIS_URL", "Redis")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:
        import os

        if os.environ.get("REELFORGE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    return url
