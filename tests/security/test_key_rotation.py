"""`reelforge keys rotate`: a new key at once, the old one only for the overlap window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reelforge.cli.main import app as cli
from reelforge.jobs.platform import Platform
from reelforge.security.key_rotation import rotate_key
from reelforge.store.tenants import ApiKey, authenticate, key_prefix_of, now, tenant_by_name


def rotate(platform: Platform, secret: str, hours: float) -> str:
    with platform.db.session() as session:
        made, _ = rotate_key(session, tenant_by_name(session, "acme").id,
                             key_prefix_of(secret) or "", overlap_h=hours)
        return made.secret


def test_both_keys_work_during_the_overlap_window(platform: Platform,
                                                  keys: dict[str, str]) -> None:
    old = keys["acme-editor"]
    new = rotate(platform, old, 24)
    with platform.db.session() as session:
        before, after = authenticate(session, old), authenticate(session, new)
    assert before is not None and after is not None
    assert (after.role, after.tenant) == ("editor", "acme")
    assert after.key_prefix != before.key_prefix


def test_the_old_key_is_refused_once_the_window_is_over(platform: Platform,
                                                       keys: dict[str, str]) -> None:
    old = keys["acme-editor"]
    new = rotate(platform, old, 24)
    with platform.db.session() as session:
        row = session.query(ApiKey).filter_by(prefix=key_prefix_of(old)).one()
        row.expires_at = now() - timedelta(seconds=1)  # the window has passed
    with platform.db.session() as session:
        assert authenticate(session, old) is None
        assert authenticate(session, new) is not None


def test_an_api_call_with_the_expired_key_answers_401(platform: Platform, client: TestClient,
                                                     keys: dict[str, str]) -> None:
    old = keys["acme-viewer"]
    new = rotate(platform, old, 0)
    assert client.get("/v1/jobs", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/v1/jobs", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_cli_rotate_prints_only_the_new_key_and_records_it_in_the_audit_log(
        platform: Platform, keys: dict[str, str]) -> None:
    old = keys["acme-admin"]
    answer = CliRunner().invoke(cli, ["keys", "rotate", key_prefix_of(old) or "",
                                      "--tenant", "acme", "--overlap-hours", "2"])
    assert answer.exit_code == 0, answer.output
    new = answer.stdout.strip().splitlines()[-1]
    assert new.startswith("rf_") and new != old and old not in answer.output
    from reelforge.store.audit import AuditEntry

    with platform.db.session() as session:
        assert authenticate(session, new) is not None
        entry = session.query(AuditEntry).filter_by(action="key.rotate").one()
        assert entry.target == key_prefix_of(old) and new not in str(entry.details)


def test_a_revoked_key_cannot_be_rotated(platform: Platform, keys: dict[str, str]) -> None:
    from reelforge.errors import InputError
    from reelforge.store.tenants import revoke_key

    with platform.db.session() as session:
        revoke_key(session, tenant_by_name(session, "acme").id,
                   key_prefix_of(keys["acme-editor"]) or "")
    with pytest.raises(InputError):
        rotate(platform, keys["acme-editor"], 1)
