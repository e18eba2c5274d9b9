"""Security test fixtures: a master key, an app on SQLite with keys for two tenants."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key

MASTER = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def secure_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"master_key": SecretStr(MASTER)})


@pytest.fixture
def platform(secure_settings: Settings) -> Iterator[Platform]:
    yield open_platform(secure_settings)
    forget_databases()


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    """API keys by name: acme-admin, acme-editor, acme-viewer, globex-admin."""
    made: dict[str, str] = {}
    with platform.db.session() as session:
        for tenant, role in (("acme", "admin"), ("acme", "editor"), ("acme", "viewer"),
                             ("globex", "admin")):
            made[f"{tenant}-{role}"] = create_key(session, tenant, role).secret
    return made


@pytest.fixture
def client(platform: Platform) -> TestClient:
    from reelforge.server.app import create_app

    return TestClient(create_app(platform=platform))


@pytest.fixture
def master_text() -> str:
    """The base64 master key the fixtures use (for the CLI's environment)."""
    return MASTER
