"""The studio's "Write it yourself" box and its review step: the script is shown to read and
edit before anything is made."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reelforge.domain import JobSpec
from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key

FORM = {"prompt": "5 budget travel tips for Lisbon in autumn", "duration_s": "20",
        "aspect": "9:16", "voice": "joe", "emotion": "calm", "intensity": "0.5"}


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, Platform]]:
    from reelforge.server.app import create_app

    platform = open_platform(settings.model_copy(update={"script_engine": "template"}))
    with platform.db.session() as session:
        key = create_key(session, "acme", "editor").secret
    client = TestClient(create_app(platform=platform), base_url="http://studio.test")
    client.cookies.set("rf_csrf", "test-token")
    client.headers["X-CSRF-Token"] = "test-token"
    assert client.post("/signin", data={"key": key, "next": "/"},
                       follow_redirects=False).status_code == 303
    yield client, platform
    forget_databases()


def test_the_create_form_offers_a_script_box_and_says_the_offline_writer_drafts(
        client: tuple[TestClient, Platform]) -> None:
    page = client[0].get("/").text
    assert "Write it yourself" in page and 'name="script"' in page
    assert "offline writer drafts a structure" in page


def test_review_shows_the_draft_to_edit_and_makes_nothing(
        client: tuple[TestClient, Platform]) -> None:
    http, platform = client
    answer = http.post("/jobs", data={**FORM, "review": "1"})
    assert answer.status_code == 200 and "Review the script" in answer.text
    assert "# Tip 5" in answer.text and "TODO: write tip 1 here." in answer.text
    with platform.db.session() as session:
        assert job_rows.list_jobs(session, 1) == []


def test_a_list_prompt_without_review_is_declined_in_words(
        client: tuple[TestClient, Platform]) -> None:
    answer = client[0].post("/jobs", data=FORM)
    assert answer.status_code == 422 and "cannot know the 5 items" in answer.text


def test_a_written_script_is_queued_without_a_prompt(client: tuple[TestClient, Platform]) -> None:
    http, platform = client
    script = "# The tram\nRide the 28 before nine and the city is yours.\n"
    answer = http.post("/jobs", data={**FORM, "prompt": "", "script": script},
                       follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with platform.db.session() as session:
        (job,) = job_rows.list_jobs(session, 1)
    brief = JobSpec.of_row(job).brief
    assert brief is not None and brief.script == script and brief.prompt == "The tram"
