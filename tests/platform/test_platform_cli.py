"""The platform's CLI: batch files (in-process or queued), usage analytics, jobs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from platform_support import TINY
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.domain import JobSpec
from reelforge.errors import InputError
from reelforge.jobs.platform import Platform
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store import usage
from reelforge.store.tenants import get_or_create_tenant


@pytest.fixture
def cli(platform_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in platform_settings.child_environment().items():
        if name.startswith("REELFORGE_"):
            monkeypatch.setenv(name, value)
    return CliRunner()


def test_a_bad_batch_line_is_named_and_does_not_stop_the_others(
        cli: CliRunner, platform: Platform, tmp_path: Path) -> None:
    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text(json.dumps(TINY) + "\n\n# a comment\n" + '{"prompt": "x", "aspect": "4:3"}\n'
                      + '{"prompt": ""}\n' + "not json\n")
    result = cli.invoke(app, ["batch", str(briefs), "--queue", "--tenant", "acme"])
    assert result.exit_code == 1, result.output  # some lines failed: said, and the exit says so
    made = json.loads(result.stdout)
    assert len(made["jobs"]) == 1  # the good brief was queued all the same
    assert [row["line"] for row in made["invalid"]] == [4, 5, 6]
    assert "briefs.jsonl:4" in made["invalid"][0]["error"]["message"]
    assert "aspect" in made["invalid"][0]["error"]["message"]
    assert "not valid JSON" in made["invalid"][2]["error"]["message"]


def test_a_batch_file_with_no_valid_brief_is_one_clear_error(cli: CliRunner,
                                                             tmp_path: Path) -> None:
    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text('{"prompt": "x", "aspect": "4:3"}\n')
    result = cli.invoke(app, ["batch", str(briefs), "--queue"])
    assert isinstance(result.exception, InputError)
    assert "no valid brief" in str(result.exception) and "aspect" in str(result.exception)


def test_batch_queue_creates_one_job_per_brief(cli: CliRunner, platform: Platform,
                                               tmp_path: Path) -> None:
    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text("\n".join(json.dumps({**TINY, "prompt": p})
                                for p in ("Why cats purr", "Why dogs dig")))
    result = cli.invoke(app, ["batch", str(briefs), "--queue", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    with platform.db.session() as session:
        acme = get_or_create_tenant(session, "acme").id
        queued = job_rows.list_jobs(session, acme, batch_id=made["batch_id"])
    assert sorted(j.id for j in queued) == sorted(made["jobs"])
    assert {JobSpec.of_row(j).summary()["prompt"] for j in queued} == {"Why cats purr",
                                                                       "Why dogs dig"}


def test_usage_reports_jobs_minutes_and_cost_by_provider(cli: CliRunner,
                                                         platform: Platform) -> None:
    with platform.db.session() as session:
        acme = get_or_create_tenant(session, "acme").id
        job = job_rows.new_job(session, acme, TINY)
        usage.record(session, acme, job.id, "provider_call", provider="runware",
                     operation="videoInference", cost_usd=0.25)
        usage.record(session, acme, job.id, "provider_call", provider="hume", operation="tts",
                     cost_usd=0.05)
        usage.record(session, acme, job.id, "render", seconds=90)
    result = cli.invoke(app, ["usage", "--tenant", "acme", "--since", "7d", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["jobs"] == {"queued": 1}
    assert report["minutes_rendered"] == 1.5
    assert report["cost_by_provider"] == {"runware": 0.25, "hume": 0.05}
    assert report["cost_usd"] == 0.3
    bad = cli.invoke(app, ["usage", "--tenant", "acme", "--since", "last tuesday"])
    assert isinstance(bad.exception, InputError) and "7d" in (bad.exception.hint or "")


def test_jobs_cancel_from_the_cli(cli: CliRunner, platform: Platform) -> None:
    with platform.db.session() as session:
        job = job_rows.new_job(session, get_or_create_tenant(session, "acme").id, TINY)
    assert cli.invoke(app, ["jobs", "cancel", job.id, "--tenant", "acme"]).exit_code == 0
    with platform.db.session() as session:
        assert session.get(job_rows.Job, job.id).state == "canceled"  # type: ignore[union-attr]
