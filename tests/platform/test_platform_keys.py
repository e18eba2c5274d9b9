"""API keys: shown once, stored hashed, never in logs, the database or error bodies; the CLI."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest
import structlog
from fastapi.testclient import TestClient
from platform_support import TINY, auth

from reelforge.jobs.platform import Platform
from reelforge.server.observability import configure_logging
from reelforge.settings import Settings
from reelforge.store.tenants import ApiKey, hash_key


def test_keys_are_stored_only_as_hashes(platform: Platform, keys: dict[str, str]) -> None:
    with platform.db.session() as session:
        rows = session.query(ApiKey).all()
    stored = " ".join(f"{r.prefix} {r.key_hash} {r.name}" for r in rows)
    for secret in keys.values():
        assert secret not in stored
        assert hash_key(secret) in stored


def test_keys_never_appear_in_logs(client: TestClient, platform: Platform, keys: dict[str, str],
                                   capsys: pytest.CaptureFixture[str],
                                   caplog: pytest.LogCaptureFixture,
                                   fake_pipeline: list[str]) -> None:
    settings = platform.settings.model_copy(update={"log_level": "DEBUG"})
    configure_logging(settings, json=True)
    caplog.set_level(logging.DEBUG)
    editor = keys["acme-editor"]
    job = client.post("/v1/jobs", json=TINY, headers=auth(editor)).json()
    platform.queue.drain()
    client.get(f"/v1/jobs/{job['id']}", headers={"X-API-Key": editor})
    client.get("/v1/keys", headers=auth(editor))  # refused: 403
    client.get("/v1/jobs", headers=auth(editor + "tampered"))  # refused: 401
    created = client.post("/v1/keys", json={"role": "viewer"},
                          headers=auth(keys["acme-admin"])).json()["key"]
    from reelforge.server.observability import log

    log.warning("someone logged a key by mistake", header=f"Bearer {created}")
    out = capsys.readouterr()
    logged = out.out + out.err + caplog.text
    assert '"request"' in logged and "acme" in logged  # the logs did record these calls
    for secret in [*keys.values(), created, editor + "tampered"]:
        assert secret not in logged
    assert created[:11] in logged  # the prefix is what identifies a key in logs


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def test_cli_creates_a_key_once_and_lists_only_its_prefix(
    platform_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    from reelforge.cli.main import run

    monkeypatch.setenv("REELFORGE_DATA_DIR", str(platform_settings.data_dir))
    if platform_settings.database_url:
        monkeypatch.setenv("REELFORGE_DATABASE_URL", platform_settings.database_url)

    def reelforge(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["reelforge", *args])
        code = 0
        try:
            run()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    code, secret, told = reelforge("keys", "create", "--tenant", "acme", "--role", "viewer")
    secret = secret.strip()
    assert code == 0 and secret.startswith("rf_") and "store it now" in told
    code, listed, _ = reelforge("keys", "list", "--tenant", "acme")
    assert secret.split("_")[1] in listed and secret not in listed
    code, _, error = reelforge("keys", "create", "--tenant", "acme", "--role", "owner")
    assert code == 2 and "unknown role 'owner'" in error and "Traceback" not in error
