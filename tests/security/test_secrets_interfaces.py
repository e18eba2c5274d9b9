"""The admin API and the `reelforge secrets` CLI: values go in, never come out."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reelforge.cli.main import app as cli
from reelforge.jobs.platform import Platform

SECRET = "rw-live-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_an_admin_stores_a_key_and_no_api_response_ever_contains_it(
        client: TestClient, keys: dict[str, str]) -> None:
    admin = auth(keys["acme-admin"])
    put = client.put("/v1/secrets/RUNWARE_API_KEY", json={"value": SECRET}, headers=admin)
    assert put.status_code == 200 and put.json()["last4"] == SECRET[-4:]
    answers = [put, client.get("/v1/secrets", headers=admin),
               client.get("/v1/audit", headers=admin), client.get("/openapi.json")]
    for answer in answers:
        assert SECRET not in answer.text and SECRET[:-4] not in answer.text
    assert [s["name"] for s in answers[1].json()] == ["RUNWARE_API_KEY"]


@pytest.mark.parametrize("role", ["acme-editor", "acme-viewer"])
def test_only_admins_may_see_or_set_provider_keys(client: TestClient, keys: dict[str, str],
                                                  role: str) -> None:
    assert client.get("/v1/secrets", headers=auth(keys[role])).status_code == 403
    assert client.put("/v1/secrets/RUNWARE_API_KEY", json={"value": SECRET},
                      headers=auth(keys[role])).status_code == 403


def test_another_tenant_cannot_see_or_delete_a_tenants_provider_keys(
        client: TestClient, keys: dict[str, str]) -> None:
    client.put("/v1/secrets/OPENAI_API_KEY", json={"value": SECRET},
               headers=auth(keys["acme-admin"]))
    other = auth(keys["globex-admin"])
    assert client.get("/v1/secrets", headers=other).json() == []
    assert client.delete("/v1/secrets/OPENAI_API_KEY", headers=other).status_code == 404
    assert len(client.get("/v1/secrets", headers=auth(keys["acme-admin"])).json()) == 1


def test_an_unknown_secret_name_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.put("/v1/secrets/PATH", json={"value": "x" * 10},
                        headers=auth(keys["acme-admin"]))
    assert answer.status_code == 422  # the OpenAPI document lists the names (a pattern)
    assert "path.name" in answer.json()["error"]["message"]


def test_cli_sets_lists_and_deletes_without_printing_the_value(
        platform: Platform, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        master_text: str) -> None:
    monkeypatch.setenv("REELFORGE_MASTER_KEY", master_text)
    runner = CliRunner()
    made = runner.invoke(cli, ["secrets", "set", "--tenant", "acme", "RUNWARE_API_KEY",
                               "--stdin"], input=SECRET + "\n")
    assert made.exit_code == 0, made.output
    listed = runner.invoke(cli, ["secrets", "list", "--tenant", "acme"])
    assert "RUNWARE_API_KEY" in listed.output and SECRET[-4:] in listed.output
    for result in (made, listed):
        assert SECRET not in result.output
    gone = runner.invoke(cli, ["secrets", "delete", "--tenant", "acme", "RUNWARE_API_KEY"])
    assert gone.exit_code == 0
    assert "RUNWARE_API_KEY" not in runner.invoke(cli, ["secrets", "list", "--tenant",
                                                         "acme"]).output


def test_cli_rotates_the_master_key_and_secrets_stay_readable(
        platform: Platform, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, master_text: str) -> None:
    monkeypatch.setenv("REELFORGE_MASTER_KEY", master_text)
    runner = CliRunner()
    runner.invoke(cli, ["secrets", "set", "--tenant", "acme", "HUME_API_KEY", "--stdin"],
                  input=SECRET + "\n")
    new_key = runner.invoke(cli, ["secrets", "new-master-key"]).output.strip()
    key_file = tmp_path / "master.key"
    key_file.write_text(new_key)
    rotated = runner.invoke(cli, ["secrets", "rotate-master", "--new-key-file", str(key_file)])
    assert rotated.exit_code == 0, rotated.output
    monkeypatch.delenv("REELFORGE_MASTER_KEY")
    monkeypatch.setenv("REELFORGE_MASTER_KEY_FILE", str(key_file))
    listed = runner.invoke(cli, ["secrets", "list", "--tenant", "acme"])
    assert listed.exit_code == 0 and SECRET[-4:] in listed.output
