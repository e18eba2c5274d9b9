"""Per-tenant provider credentials: encrypted at rest, never shown, rotation-safe, isolated."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from pydantic import SecretStr

from reelforge.jobs.platform import Platform
from reelforge.security.envelope import (
    DecryptionFailed,
    master_key_from,
    new_key_text,
    parse_master_key,
)
from reelforge.security.secrets_store import (
    TenantSecret,
    delete_secret,
    list_secrets,
    reveal_secrets,
    rewrap_data_keys,
    set_secret,
    settings_for_tenant,
)
from reelforge.store.tenants import tenant_by_name

SECRET = "rw-live-7f3c9a1be24d4c0f9d6e8a5b3c2d1e0f"


def tenant_id(platform: Platform, name: str) -> int:
    with platform.db.session() as session:
        from reelforge.store.tenants import create_key

        create_key(session, name, "admin")
        return tenant_by_name(session, name).id


def store(platform: Platform, tenant: int, name: str = "RUNWARE_API_KEY",
          value: str = SECRET) -> None:
    with platform.db.session() as session:
        set_secret(session, master_key_from(platform.settings), tenant, name, value)


def database_file(platform: Platform) -> Path:
    return Path(platform.settings.resolved_database_url.removeprefix("sqlite:///"))


def test_a_stored_secret_is_not_in_the_database_file_or_a_backup_copy(
        platform: Platform, tmp_path: Path) -> None:
    acme = tenant_id(platform, "acme")
    store(platform, acme)
    platform.db.engine.dispose()  # checkpoint the WAL into the file
    db = database_file(platform)
    backup = tmp_path / "backup.db"  # docs/security.md: sqlite3's .backup (the same API)
    with sqlite3.connect(db) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    shutil.copy(db, tmp_path / "copy.db")  # a plain file copy too
    for path in [db, backup, tmp_path / "copy.db", *db.parent.glob("reelforge.db-*")]:
        data = path.read_bytes()
        assert SECRET.encode() not in data and SECRET[-12:].encode() not in data, path


def test_a_secret_is_never_returned_only_its_last_four(platform: Platform) -> None:
    acme = tenant_id(platform, "acme")
    store(platform, acme)
    with platform.db.session() as session:
        (info,) = list_secrets(session, master_key_from(platform.settings), acme)
    assert info.name == "RUNWARE_API_KEY" and info.last4 == SECRET[-4:]
    assert SECRET not in repr(info)


def test_a_tenant_job_uses_its_own_key_in_place_of_the_process_wide_one(
        platform: Platform) -> None:
    acme, globex = tenant_id(platform, "acme"), tenant_id(platform, "globex")
    store(platform, acme)
    process_wide = platform.settings.model_copy(update={"runware_api_key": SecretStr("env-key")})
    with platform.db.session() as session:
        for_acme = settings_for_tenant(process_wide, session, acme)
        for_globex = settings_for_tenant(process_wide, session, globex)
    assert for_acme.runware_api_key is not None
    assert for_acme.runware_api_key.get_secret_value() == SECRET
    assert for_globex.runware_api_key is not None
    assert for_globex.runware_api_key.get_secret_value() == "env-key"  # never acme's


def test_another_tenant_cannot_use_a_tenants_ciphertext(platform: Platform) -> None:
    acme, globex = tenant_id(platform, "acme"), tenant_id(platform, "globex")
    store(platform, acme)
    store(platform, globex, value="globex-own-key-0000")
    with platform.db.session() as session:  # an attacker with write access copies the row
        from sqlalchemy import select

        stolen = session.scalar(select(TenantSecret).where(TenantSecret.tenant_id == acme))
        mine = session.scalar(select(TenantSecret).where(TenantSecret.tenant_id == globex))
        assert stolen is not None and mine is not None
        mine.ciphertext = stolen.ciphertext
    with platform.db.session() as session, pytest.raises(DecryptionFailed):
        reveal_secrets(session, master_key_from(platform.settings), globex)


def test_master_key_rotation_rewraps_data_keys_and_keeps_every_secret_readable(
        platform: Platform) -> None:
    acme, globex = tenant_id(platform, "acme"), tenant_id(platform, "globex")
    store(platform, acme)
    store(platform, acme, "OPENAI_API_KEY", "sk-acme-openai-1234")
    store(platform, globex, "HUME_API_KEY", "hume-globex-5678")
    old = master_key_from(platform.settings)
    new = parse_master_key(new_key_text())
    with platform.db.session() as session:
        before = {r.id: bytes(r.ciphertext) for r in session.query(TenantSecret)}
        assert rewrap_data_keys(session, old, new) == 2
    with platform.db.session() as session:
        assert rewrap_data_keys(session, old, new) == 0  # safe to run again
        assert {r.id: bytes(r.ciphertext) for r in session.query(TenantSecret)} == before
        assert reveal_secrets(session, new, acme) == {"RUNWARE_API_KEY": SECRET,
                                                      "OPENAI_API_KEY": "sk-acme-openai-1234"}
        assert reveal_secrets(session, new, globex) == {"HUME_API_KEY": "hume-globex-5678"}
        with pytest.raises(DecryptionFailed):
            reveal_secrets(session, old, acme)  # the old master key no longer opens anything


def test_deleting_a_secret_falls_back_to_the_process_wide_key(platform: Platform) -> None:
    acme = tenant_id(platform, "acme")
    store(platform, acme)
    with platform.db.session() as session:
        delete_secret(session, acme, "runware_api_key")
    with platform.db.session() as session:
        assert settings_for_tenant(platform.settings, session, acme) is platform.settings


def test_storing_a_secret_never_logs_its_value(platform: Platform,
                                               caplog: pytest.LogCaptureFixture,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    acme = tenant_id(platform, "acme")
    store(platform, acme)
    captured = capsys.readouterr()
    assert SECRET not in caplog.text + captured.out + captured.err


def test_a_wrong_or_missing_master_key_is_a_clear_error(platform: Platform) -> None:
    from reelforge.errors import InputError

    with pytest.raises(InputError, match="32 random bytes"):
        parse_master_key("too-short")
    unset = platform.settings.model_copy(update={"master_key": None, "master_key_file": None})
    with pytest.raises(InputError, match="no master key"):
        master_key_from(unset)


def test_a_job_runs_with_the_credentials_of_the_tenant_that_owns_it(platform: Platform) -> None:
    from reelforge.security.secrets_store import settings_for_job
    from reelforge.store.jobs import new_job

    acme, globex = tenant_id(platform, "acme"), tenant_id(platform, "globex")
    store(platform, acme)
    with platform.db.session() as session:
        acme_job = new_job(session, acme, {"prompt": "x"}).id
        globex_job = new_job(session, globex, {"prompt": "y"}).id
    acme_settings = settings_for_job(platform.settings, platform.db, acme_job)
    assert acme_settings.runware_api_key is not None
    assert acme_settings.runware_api_key.get_secret_value() == SECRET
    assert settings_for_job(platform.settings, platform.db, globex_job).runware_api_key is None
