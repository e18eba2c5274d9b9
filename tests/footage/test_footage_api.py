"""GET /v1/footage/search: a tenant searches its own footage library, never another's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reelforge.jobs.platform import Platform, open_platform
from reelforge.library.footage import Embed
from reelforge.library.footage_add import add_footage
from reelforge.library.footage_store import tenant_footage_folder
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key, get_or_create_tenant


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings)
    forget_databases()


def test_a_tenant_finds_its_own_shots_and_another_tenant_is_told_to_add_footage(
    platform: Platform, footage_dir: Path, embed: Embed, tmp_path: Path,
) -> None:
    from reelforge.server.app import create_app

    with platform.db.session() as session:
        acme = create_key(session, "acme", "viewer")
        globex = create_key(session, "globex", "viewer")
        tenant_id = get_or_create_tenant(session, "acme").id
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("beach_dog_running.mp4", "kitchen_two_shots.mp4"):
        shutil.copy(footage_dir / name, folder / name)
    client = TestClient(create_app(platform=platform))
    acme_headers = {"Authorization": f"Bearer {acme.secret}"}
    add_footage([folder], tenant_footage_folder(platform.settings, tenant_id), embed=embed,
                transcribe=False)

    found = client.get("/v1/footage/search", params={"q": "a dog on the beach", "k": 2},
                       headers=acme_headers)
    assert found.status_code == 200, found.text
    rows = found.json()
    assert Path(rows[0]["file"]).name == "beach_dog_running.mp4"
    assert rows[0]["end_s"] == 2.0 and "“beach”" in rows[0]["reason"]
    assert len(rows) == 2 and rows[0]["score"] > rows[1]["score"]

    other = client.get("/v1/footage/search", params={"q": "a dog on the beach"},
                       headers={"Authorization": f"Bearer {globex.secret}"})
    assert other.status_code == 400
    assert "reelforge footage add" in str(other.json()["error"])
    assert str(platform.settings.data_dir) not in other.text  # no server paths in answers
