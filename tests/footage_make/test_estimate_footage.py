"""The quote of a video made with footage: a range, since which scenes footage covers is known
only once they are searched; scenes swapped to a named shot are never quoted a clip."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from reelforge.domain import Brief
from reelforge.services.estimate import estimate_cost
from reelforge.settings import Settings


@pytest.fixture
def paid(settings: Settings) -> Settings:
    """Runware draws the scenes footage does not cover (template writer: known scene count)."""
    return settings.model_copy(update={"video_engine": "runware", "script_engine": "template",
                                       "runware_api_key": SecretStr("rw-test")})


def test_with_footage_the_quote_runs_from_no_clips_to_every_clip(paid: Settings) -> None:
    plain = estimate_cost(Brief(prompt="A week by the sea", duration_s=15), paid)
    assert plain.by_provider["runware"] > 0
    assert plain.min_cost_usd == plain.cost_usd and plain.note == ""
    mine = estimate_cost(Brief(prompt="A week by the sea", duration_s=15, footage="library"),
                         paid)
    assert mine.cost_usd == plain.cost_usd  # the most: the engine draws every scene
    assert mine.min_cost_usd == round(plain.cost_usd - plain.by_provider["runware"], 4)
    assert mine.min_cost_usd < mine.cost_usd
    assert "if your footage covers every scene" in mine.note


def test_a_scene_swapped_to_a_named_shot_is_never_quoted_a_clip(paid: Settings) -> None:
    base = Brief(prompt="A week by the sea", duration_s=15, footage="library")
    whole = estimate_cost(base, paid)
    assert whole.scenes >= 2
    one = estimate_cost(base.model_copy(update={"footage_swaps": {0: "3f1c0a9e5b7d2c41#0"}}),
                        paid)
    per_clip = whole.by_provider["runware"] / whole.scenes
    assert one.footage_scenes == 1
    assert one.by_provider["runware"] == pytest.approx(per_clip * (whole.scenes - 1), abs=1e-3)
    assert one.min_cost_usd == whole.min_cost_usd and "every other scene" in one.note
    # a swap naming a scene the plan lacks covers nothing (the run refuses it)
    beyond = estimate_cost(base.model_copy(update={"footage_swaps": {99: "3f1c0a9e5b7d2c41#0"}}),
                           paid)
    assert beyond.cost_usd == whole.cost_usd and beyond.footage_scenes == 0


def test_with_offline_engines_there_is_no_range(settings: Settings) -> None:
    free = estimate_cost(Brief(prompt="A week by the sea", duration_s=15, footage="library"),
                         settings)
    assert free.cost_usd == free.min_cost_usd == 0 and free.note == ""


def test_the_api_quote_carries_the_range(paid: Settings) -> None:
    from fastapi.testclient import TestClient

    from reelforge.jobs.platform import open_platform
    from reelforge.server.app import create_app
    from reelforge.store.db import forget_databases
    from reelforge.store.tenants import create_key

    platform = open_platform(paid)
    try:
        with platform.db.session() as session:
            viewer = create_key(session, "acme", "viewer").secret
        client = TestClient(create_app(platform=platform),
                            headers={"Authorization": f"Bearer {viewer}"})
        quoted = client.post("/v1/jobs/estimate", json={
            "prompt": "A week by the sea", "duration_s": 15, "footage": "library"})
        assert quoted.status_code == 200, quoted.text
        body = quoted.json()
        assert 0 <= body["min_cost_usd"] < body["cost_usd"] and body["note"]
    finally:
        forget_databases()
