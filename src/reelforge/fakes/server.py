"""Run the fakes with uvicorn in background threads on loopback ports (tests, demos, the CLI)."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from reelforge.fakes.common import FakeConfig, FakeState
from reelforge.settings import Settings

SERVICES = ("openai", "hume", "runware", "spotify")


def app_factory(service: str) -> Callable[[Settings, FakeConfig | None], FastAPI]:
    if service == "openai":
        from reelforge.fakes.openai import create_app
    elif service == "hume":
        from reelforge.fakes.hume import create_app
    elif service == "runware":
        from reelforge.fakes.runware import create_app
    elif service == "spotify":
        from reelforge.fakes.spotify import create_app
    else:
        raise ValueError(f"unknown fake service {service!r}")
    return create_app


@dataclass
class RunningFake:
    service: str
    url: str  # http://127.0.0.1:PORT
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def state(self) -> FakeState:
        return self.app.state.fake


@dataclass
class RunningFakes:
    fakes: dict[str, RunningFake] = field(default_factory=dict)

    def __getitem__(self, service: str) -> RunningFake:
        return self.fakes[service]

    def env(self) -> dict[str, str]:
        """Environment variables that point reelforge's remote engines at these fakes."""
        out: dict[str, str] = {}
        if "openai" in self.fakes:
            out["OPENAI_BASE_URL"] = f"{self.fakes['openai'].url}/v1"
        if "hume" in self.fakes:
            out["REELFORGE_HUME_BASE_URL"] = self.fakes["hume"].url
        if "runware" in self.fakes:
            out["REELFORGE_RUNWARE_BASE_URL"] = f"{self.fakes['runware'].url}/v1"
        if "spotify" in self.fakes:
            out["REELFORGE_SPOTIFY_API_URL"] = f"{self.fakes['spotify'].url}/v1"
            out["REELFORGE_SPOTIFY_ACCOUNTS_URL"] = self.fakes["spotify"].url
        return out

    def stop(self) -> None:
        for fake in self.fakes.values():
            fake.server.should_exit = True
        for fake in self.fakes.values():
            fake.thread.join(timeout=5)


def start_fake(
    service: str, settings: Settings, *, config: FakeConfig | None = None,
    host: str = "127.0.0.1", port: int = 0,
) -> RunningFake:
    """Start one fake on ``host:port`` (0 = any free port) and wait until it accepts requests."""
    app = app_factory(service)(settings, dataclasses.replace(config) if config else None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(
        app, log_level="critical", lifespan="off", access_log=False, timeout_graceful_shutdown=1,
    ))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"fake-{service}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {service} fake did not start")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]
    return RunningFake(service, f"http://{host}:{bound_port}", app, server, thread)


def start_fakes(
    settings: Settings, *, config: FakeConfig | None = None, host: str = "127.0.0.1",
    base_port: int = 0, services: tuple[str, ...] = SERVICES,
) -> RunningFakes:
    """Start every fake; with ``base_port`` N they listen on N, N+1, ... in SERVICES order."""
    running = RunningFakes()
    try:
        for offset, service in enumerate(services):
            port = base_port + offset if base_port else 0
            running.fakes[service] = start_fake(service, settings, config=config, host=host,
                                                port=port)
    except Exception:
        running.stop()
        raise
    return running
