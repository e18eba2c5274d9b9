"""The fakes, served by uvicorn in a thread on ephemeral loopback ports, for wire-level tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from reelforge.fakes.common import FakeConfig
from reelforge.fakes.server import RunningFakes, start_fakes
from reelforge.settings import Settings

KEY = "fake-test-key-0123456789"
CONFIG = FakeConfig(api_key=KEY, task_delay_s=0.2, retry_after_s=0.05, slow_response_s=1.0)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFakes]:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("fakes-wire"))
    running = start_fakes(settings, config=CONFIG)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh(served: RunningFakes) -> None:
    for fake in served.fakes.values():
        fake.state.reset()
        fake.state.config = dataclasses.replace(CONFIG)


@pytest.fixture
def key() -> str:
    return KEY


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client
