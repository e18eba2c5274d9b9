"""Fixtures of the studio tests: a live ``reelforge serve`` and ``reelforge worker`` on loopback
(SQLite + Huey-SQLite), Debian's chromium driven by Playwright, and screenshot helpers.

One server, worker and browser serve the whole folder (session scope): starting them costs
seconds, and the built-in song catalog is analysed once, in the background, while the first
video renders.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from studio_support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, Studio, sign_in

from reelforge.settings import Settings
from reelforge.store.db import forget_databases


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("REELFORGE_REQUIRE_SERVICES") == "1":
        pytest.fail("/usr/bin/chromium is missing but REELFORGE_REQUIRE_SERVICES=1 "
                    "(scripts/install-system-deps installs it as root: apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium); the studio's "
                "browser tests need it")


def _warm_catalog(settings: Settings, ready: threading.Event) -> None:
    """Analyse and index the 28 built-in songs once (the song search needs them)."""
    from reelforge.providers.music.catalog import SongCatalog

    try:
        SongCatalog(settings).ensure_builtin(workers=1)
    finally:
        ready.set()


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """``reelforge serve`` + ``reelforge worker`` on a fresh data folder, with keys made."""
    _require_chromium()
    from reelforge.jobs.platform import open_platform
    from reelforge.store.tenants import create_key

    root = tmp_path_factory.mktemp("studio")
    for var in ("OPENAI_API_KEY", "HUME_API_KEY", "RUNWARE_API_KEY", "SPOTIFY_CLIENT_ID",
                "SPOTIFY_CLIENT_SECRET", "OPENAI_BASE_URL"):
        os.environ.pop(var, None)
    port = _free_port()
    settings = Settings(_env_file=None, data_dir=root / "data", out_dir=root / "out",
                        music_engine="builtin", fps=12, x264_preset="ultrafast",
                        job_lease_s=10.0, job_heartbeat_s=1.0, job_sweep_interval_s=2.0,
                        serve_port=port, log_level="WARNING", log_format="json")
    platform = open_platform(settings)
    keys: dict[str, str] = {}
    with platform.db.session() as session:
        for role in ("admin", "editor", "viewer"):
            keys[role] = create_key(session, "acme", role, name=f"{role} of acme").secret
    forget_databases()
    env = settings.child_environment()
    logs = open(root / "processes.log", "ab")  # noqa: SIM115 - closed at teardown
    studio = Studio(url=f"http://127.0.0.1:{port}", settings=settings, keys=keys)
    for command in (["serve", "--port", str(port)], ["worker"]):
        studio.processes.append(subprocess.Popen(
            [sys.executable, "-m", "reelforge.cli.main", *command], env=env, stdout=logs,
            stderr=subprocess.STDOUT))
    threading.Thread(target=_warm_catalog, args=(settings, studio.catalog_ready),
                     daemon=True).start()
    try:
        # a loaded machine may need longer: REELFORGE_STUDIO_START_S (seconds, default 60)
        deadline = time.monotonic() + float(os.environ.get("REELFORGE_STUDIO_START_S", "60"))
        while True:
            try:
                if httpx.get(f"{studio.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or studio.processes[0].poll() is not None:
                pytest.fail("reelforge serve did not start:\n" +
                            (root / "processes.log").read_text()[-3000:])
            time.sleep(0.3)
        yield studio
    finally:
        for process in studio.processes:
            process.terminate()
        for process in studio.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()
        studio.catalog_ready.wait(timeout=120)
        forget_databases()


@pytest.fixture(scope="session")
def browser(studio: Studio) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def editor_page(browser: Any, studio: Studio) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, base_url=studio.url)
    yield sign_in(context, studio, "editor")
    context.close()


@pytest.fixture
def admin_page(browser: Any, studio: Studio) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, base_url=studio.url)
    yield sign_in(context, studio, "admin")
    context.close()
