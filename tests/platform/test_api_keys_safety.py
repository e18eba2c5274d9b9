"""Keys cannot lock a tenant out, revocation is immediate on every API process, and a key
cannot make a faster key than itself (issue 15)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from platform_support import auth

from reelforge.jobs.platform import Platform
from reelforge.store.tenants import create_key


def prefix_of(key: str) -> str:
    return key.split("_")[1]


def test_the_last_active_admin_key_of_a_tenant_cannot_be_revoked(
    client: TestClient, keys: dict[str, str]
) -> None:
    admin = auth(keys["acme-admin"])
    own = client.delete(f"/v1/keys/{prefix_of(keys['acme-admin'])}", headers=admin)
    assert own.status_code == 409 and own.json()["error"]["code"] == "last_admin_key"
    assert "another admin key" in own.json()["error"]["details"]["hint"]
    assert client.get("/v1/keys", headers=admin).status_code == 200  # still works
    second = client.post("/v1/keys", json={"role": "admin", "name": "spare"}, headers=admin)
    assert second.status_code == 201
    assert client.delete(f"/v1/keys/{prefix_of(keys['acme-admin'])}",
                         headers=admin).json()["revoked"] is True
    spare = auth(second.json()["key"])
    last = client.delete(f"/v1/keys/{second.json()['prefix']}", headers=spare)
    assert last.json()["error"]["code"] == "last_admin_key"


def test_revoking_a_viewer_or_editor_key_is_always_allowed(
    client: TestClient, keys: dict[str, str]
) -> None:
    for role in ("viewer", "editor"):
        answer = client.delete(f"/v1/keys/{prefix_of(keys[f'acme-{role}'])}",
                               headers=auth(keys["acme-admin"]))
        assert answer.status_code == 200 and answer.json()["revoked"] is True


def test_a_revoked_key_stops_working_at_once_on_every_api_process(
    platform: Platform, keys: dict[str, str]
) -> None:
    """Two app instances share one database, as two `reelforge serve` workers do: each has
    its own key cache, and the key was just used (cached) on both."""
    from reelforge.server.app import create_app

    first, second = (TestClient(create_app(platform=platform)) for _ in range(2))
    viewer = auth(keys["acme-viewer"])
    assert first.get("/v1/jobs", headers=viewer).status_code == 200
    assert second.get("/v1/jobs", headers=viewer).status_code == 200
    revoked = first.delete(f"/v1/keys/{prefix_of(keys['acme-viewer'])}",
                           headers=auth(keys["acme-admin"]))
    assert revoked.status_code == 200
    assert [second.get("/v1/jobs", headers=viewer).status_code for _ in range(3)] == [401] * 3
    assert first.get("/v1/jobs", headers=viewer).status_code == 401


def test_a_key_revoked_from_the_cli_stops_working_at_once_too(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    from reelforge.store.tenants import revoke_key, tenant_by_name

    viewer = auth(keys["acme-viewer"])
    assert client.get("/v1/jobs", headers=viewer).status_code == 200
    with platform.db.session() as session:
        revoke_key(session, tenant_by_name(session, "acme").id, prefix_of(keys["acme-viewer"]))
    assert client.get("/v1/jobs", headers=viewer).status_code == 401


def test_a_new_key_is_never_faster_than_the_key_that_made_it(
    client: TestClient, platform: Platform
) -> None:
    with platform.db.session() as session:
        slow_admin = create_key(session, "acme", "admin", rate_per_minute=120).secret
    admin = auth(slow_admin)
    faster = client.post("/v1/keys", json={"role": "viewer", "rate_per_minute": 1_000_000},
                         headers=admin)
    assert faster.status_code == 400 and "120" in faster.json()["error"]["message"]
    same = client.post("/v1/keys", json={"role": "viewer", "rate_per_minute": 120},
                       headers=admin)
    assert same.status_code == 201
    inherited = client.post("/v1/keys", json={"role": "viewer"}, headers=admin).json()
    from reelforge.store.tenants import ApiKey

    with platform.db.session() as session:
        row = session.query(ApiKey).filter_by(prefix=inherited["prefix"]).one()
        assert row.rate_per_minute == 120  # not the server's 600 a minute


def test_an_admin_at_the_server_rate_cannot_pass_it(client: TestClient, platform: Platform,
                                                    keys: dict[str, str]) -> None:
    server_rate = platform.settings.rate_per_minute
    over = client.post("/v1/keys", json={"role": "viewer", "rate_per_minute": server_rate * 2},
                       headers=auth(keys["acme-admin"]))
    assert over.status_code == 400 and over.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("rate", [True, "60", 0, -1])
def test_a_rate_that_is_not_a_positive_number_is_refused(
    client: TestClient, keys: dict[str, str], rate: object
) -> None:
    answer = client.post("/v1/keys", json={"role": "viewer", "rate_per_minute": rate},
                         headers=auth(keys["acme-admin"]))
    assert answer.status_code == 422
