"""A brief is checked once, at the edge: a bad field is a 422 naming it, before any job row
exists or any budget is held (issue 15, item 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from platform_support import TINY, auth

from reelforge.jobs.platform import Platform
from reelforge.store.jobs import Job


@pytest.mark.parametrize(("field", "value"), [
    ("emotion", "grumpy"), ("voice", "nobody"), ("voice", "espeak:xx-nowhere"),
    ("music_mood", "spooky"), ("template", "saga"), ("aspect", "4:3"), ("seed", "lots"),
    ("footage", "/etc"),  # a queued job reads no folder on the server's disk
])
def test_a_bad_brief_field_is_a_422_naming_it_and_nothing_is_queued(
        client: TestClient, platform: Platform, keys: dict[str, str], field: str,
        value: str) -> None:
    answer = client.post("/v1/jobs", json={**TINY, field: value},
                         headers=auth(keys["acme-editor"]))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and field in error["message"]
    named = error["details"].get("field") or error["details"]["problems"][0]["where"]
    assert named.endswith(field)
    with platform.db.session() as session:
        assert session.query(Job).count() == 0  # no row, so no budget held either


def test_the_estimate_names_the_voice_engine_the_voice_id_decides(
        client: TestClient, keys: dict[str, str]) -> None:
    estimate = client.post("/v1/jobs/estimate", json={**TINY, "voice": "hume:Ava Song"},
                           headers=auth(keys["acme-editor"]))
    assert estimate.status_code == 200
    assert estimate.json()["engines"]["voice"] == "hume"  # the voice id decides the engine
