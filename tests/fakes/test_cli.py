"""`reelforge fakes serve` and `reelforge providers` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.fakes.server import RunningFakes


@pytest.mark.timeout(120)
def test_fakes_serve_starts_every_fake_and_prints_their_urls() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelforge.cli.main", "fakes", "serve", "--base-port", "0",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        printed = json.loads(proc.stdout.readline())
        assert set(printed["urls"]) == {"openai", "hume", "runware", "spotify"}
        for url in printed["urls"].values():
            assert url.startswith("http://127.0.0.1:")
            assert httpx.get(f"{url}/_fake/stats", timeout=10).status_code == 200
        assert printed["env"]["OPENAI_BASE_URL"] == printed["urls"]["openai"] + "/v1"
    finally:
        proc.send_signal(signal.SIGTERM)  # SIGINT never reaches a job started with it ignored
        assert proc.wait(timeout=10) == 0


def test_fakes_serve_refuses_a_non_loopback_host() -> None:
    out = subprocess.run([sys.executable, "-m", "reelforge.cli.main", "fakes", "serve",
                          "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "loopback" in out.stderr


@pytest.fixture
def fake_env(served: RunningFakes, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in served.env().items():
        monkeypatch.setenv(name, value)
    for name in ("OPENAI_API_KEY", "HUME_API_KEY", "RUNWARE_API_KEY", "SPOTIFY_CLIENT_SECRET"):
        monkeypatch.setenv(name, key)
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client")
    monkeypatch.chdir(os.path.dirname(__file__))  # no stray .env


def test_providers_reports_each_configured_remote_engine_as_reachable(
    fake_env: None, served: RunningFakes
) -> None:
    result = CliRunner().invoke(app, ["providers", "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["capability"], r["engine"]): r for r in json.loads(result.output)}
    for engine in (("script", "openai"), ("voice", "hume"), ("voice", "openai"),
                   ("video", "runware"), ("music", "spotify")):
        assert rows[engine]["configured"] and rows[engine]["reachable"], rows[engine]
    assert rows[("script", "openai")]["selected"] and rows[("video", "runware")]["selected"]
    assert served["runware"].state.paid["videoInference"] == 0  # probes are free


def test_providers_reports_a_rejected_key_as_unreachable_with_the_reason(
    fake_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUME_API_KEY", "wrong-key-000000")
    result = CliRunner().invoke(app, ["providers", "--json"])
    hume = next(r for r in json.loads(result.output) if r["engine"] == "hume")
    assert hume["reachable"] is False and "HTTP 401" in hume["detail"]
    assert "wrong-key-000000" not in result.output


def test_providers_says_when_the_runware_model_does_not_exist(
    fake_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELFORGE_RUNWARE_MODEL", "nobody:9@9")
    result = CliRunner().invoke(app, ["providers", "--json", "--no-check"])
    assert result.exit_code == 0
    result = CliRunner().invoke(app, ["providers", "--json"])
    runware = next(r for r in json.loads(result.output) if r["engine"] == "runware")
    assert runware["reachable"] and "model nobody:9@9 not found" in runware["detail"]
