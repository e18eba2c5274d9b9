"""Fakes of every remote service, served by uvicorn on loopback, and settings pointing at them."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from reelforge.fakes import media
from reelforge.fakes.common import FakeConfig, FakeState
from reelforge.fakes.server import RunningFakes, start_fakes
from reelforge.settings import Settings

TEST_KEY = "sk-test-SECRET-0123456789abcdef"
FAST = FakeConfig(api_key=TEST_KEY, task_delay_s=0.2, retry_after_s=0.05, slow_response_s=1.0)


@pytest.fixture(scope="session")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFakes]:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("fakes-data"))
    running = start_fakes(settings, config=FAST)
    media.speech_wav("Warm up.", settings)  # load the offline voice once, outside timed tests
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _clean_fakes(fakes: RunningFakes) -> Iterator[None]:
    for fake in fakes.fakes.values():
        fake.state.reset()
        fake.state.config = dataclasses.replace(FAST)  # undo knobs a test turned
    yield


@pytest.fixture
def remote_settings(settings: Settings, fakes: RunningFakes, tmp_path: Path) -> Settings:
    """Settings with every remote engine pointed at the fakes and tiny waits."""
    env = fakes.env()
    return settings.model_copy(update={
        "openai_api_key": SecretStr(TEST_KEY), "hume_api_key": SecretStr(TEST_KEY),
        "runware_api_key": SecretStr(TEST_KEY),
        "spotify_client_id": "test-client", "spotify_client_secret": SecretStr(TEST_KEY),
        "openai_base_url": env["OPENAI_BASE_URL"], "hume_base_url": env["REELFORGE_HUME_BASE_URL"],
        "runware_base_url": env["REELFORGE_RUNWARE_BASE_URL"],
        "spotify_api_url": env["REELFORGE_SPOTIFY_API_URL"],
        "spotify_accounts_url": env["REELFORGE_SPOTIFY_ACCOUNTS_URL"],
        "http_backoff_initial_s": 0.01, "http_backoff_max_s": 0.05, "http_max_retries": 3,
        "http_timeout_s": 20.0, "http_read_timeout_s": 20.0, "http_generation_timeout_s": 20.0,
        "http_retry_after_cap_s": 2.0,
        "runware_poll_initial_s": 0.05, "runware_poll_max_s": 0.2, "runware_deadline_s": 20.0,
        "runware_resolution": 256, "runware_fps": 12,
    })


@pytest.fixture
def impatient_settings(remote_settings: Settings) -> Settings:
    """Remote settings whose timeouts are shorter than the fakes' ``slow`` fault (1 s)."""
    return remote_settings.model_copy(update={"http_timeout_s": 0.4, "http_read_timeout_s": 0.4})


@pytest.fixture
def impatient_paid_settings(impatient_settings: Settings) -> Settings:
    """Impatient settings whose paid calls (generation timeout) give up before ``slow`` too."""
    return impatient_settings.model_copy(update={"http_generation_timeout_s": 0.4})


def paid_when_done(state: FakeState, operation: str, *, within_s: float = 10.0) -> int:
    """The fake's paid count of ``operation`` once a slow request it still works on is billed.

    A client that gave up waiting does not stop the fake, which bills when its work is done.
    """
    deadline = time.monotonic() + within_s
    while not state.paid[operation] and time.monotonic() < deadline:
        time.sleep(0.05)
    return state.paid[operation]


@pytest.fixture
def api_key() -> str:
    """The key every fake accepts in these tests."""
    return TEST_KEY
