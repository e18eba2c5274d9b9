"""The spend ledger: every paid call written before it is sent, settled after, and counted in
usage and the budget whether its job succeeded or not."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.domain import PaidRequest, Settlement, SpendScope
from reelforge.fakes.server import RunningFakes
from reelforge.providers import spend
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.db import Database, forget_databases, open_database
from reelforge.store.jobs import Job
from reelforge.store.ledger import SpendCall, SqlSpendLedger
from reelforge.store.tenants import get_or_create_tenant
from reelforge.store.usage import MAY_HAVE_BEEN_BILLED, spent_since, summarize

WEEK_AGO = datetime.now(UTC) - timedelta(days=7)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Database]:
    """A migrated database: SQLite, and PostgreSQL (a schema of its own) when configured."""
    forget_databases()
    if request.param == "sqlite":
        yield open_database(settings)
        return
    import sqlalchemy as sa

    url = request.getfixturevalue("postgres_url")
    schema = f"rf_ledger_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield open_database(settings.model_copy(update={
            "database_url": f"{url}{separator}options=-csearch_path%3D{schema}"}))
    finally:
        forget_databases()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def acme(db: Database) -> int:
    with db.session() as session:
        return get_or_create_tenant(session, "acme").id


def ask(provider: str = "hume", estimate: float = 0.10, fingerprint: str = "f" * 64) -> PaidRequest:
    return PaidRequest(provider=provider, operation="tts", model="octave-2",
                       fingerprint=fingerprint, estimated_cost_usd=estimate)


def test_sql_ledger_writes_the_call_as_sent_before_returning_then_settles_it(
    db: Database, acme: int
) -> None:
    ledger = SqlSpendLedger(db)
    call_id = ledger.before_send(SpendScope(acme, "job-1", "narrate scene-01"), ask())
    with db.session() as session:  # another session sees it: committed before the send
        row = session.get(SpendCall, call_id)
        assert row is not None and row.state == "sent" and row.may_have_billed
        assert (row.tenant_id, row.job_id, row.step) == (acme, "job-1", "narrate scene-01")
    ledger.settle(call_id, Settlement("confirmed", request_id="req-1", cost_usd=0.08,
                                      may_have_billed=True))
    with db.session() as session:
        row = session.get(SpendCall, call_id)
        assert row is not None and (row.state, row.request_id, row.cost_usd) == (
            "confirmed", "req-1", 0.08)
        assert row.settled_at is not None


def test_usage_counts_confirmed_calls_and_shows_unsettled_ones_as_may_have_been_billed(
    db: Database, acme: int
) -> None:
    ledger = SqlSpendLedger(db)
    scope = SpendScope(acme, "job-1", "narrate scene-01")
    done = ledger.before_send(scope, ask(estimate=0.10))
    ledger.settle(done, Settlement("confirmed", request_id="r", cost_usd=0.08))
    ledger.before_send(scope, ask("runware", estimate=0.30))  # a crash: never settled
    unsure = ledger.before_send(scope, ask(estimate=0.05))
    ledger.settle(unsure, Settlement("failed", may_have_billed=True))  # a lost reply
    refused = ledger.before_send(scope, ask(estimate=0.50))
    ledger.settle(refused, Settlement("failed", may_have_billed=False))  # a 503: not billed
    with db.session() as session:
        summary = summarize(session, acme, "acme", WEEK_AGO)
        assert summary.cost_by_provider == {"hume": 0.08}
        assert summary.may_have_been_billed_by_provider == {"runware": 0.30, "hume": 0.05}
        assert summary.paid_calls == {"confirmed": 1, MAY_HAVE_BEEN_BILLED: 2, "failed": 1}
        assert spent_since(session, acme, WEEK_AGO) == pytest.approx(0.08 + 0.30 + 0.05)
        with db.engine.connect() as connection:
            assert spent_since(connection, acme, WEEK_AGO) == pytest.approx(0.43)
        assert spent_since(session, acme, datetime.now(UTC) + timedelta(minutes=1)) == 0.0


def test_usage_keeps_counting_provider_calls_of_jobs_from_before_the_ledger(
    db: Database, acme: int
) -> None:
    from reelforge.store import usage

    with db.session() as session:
        usage.record(session, acme, "old-job", "provider_call", provider="hume", cost_usd=0.2)
        usage.record(session, acme, "new-job", "provider_call", provider="hume", cost_usd=0.1)
    ledger = SqlSpendLedger(db)
    call = ledger.before_send(SpendScope(acme, "new-job", "narrate"), ask())
    ledger.settle(call, Settlement("confirmed", cost_usd=0.1))
    with db.session() as session:  # new-job's usage row repeats its ledger entry: counted once
        assert summarize(session, acme, "acme", WEEK_AGO).cost_by_provider == {"hume": 0.3}
        assert spent_since(session, acme, WEEK_AGO) == pytest.approx(0.3)


@pytest.mark.slow
def test_job_that_fails_after_two_paid_calls_shows_both_in_reelforge_usage(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two Hume narrations are paid for, then Runware fails the clips: the job fails, and the
    worker's ledger still shows the two calls (and the two refused tasks, not billed)."""
    from reelforge.cli.main import app
    from reelforge.jobs.platform import open_platform
    from reelforge.jobs.worker import execute_job

    forget_databases()
    settings = remote_settings.model_copy(update={
        "script_engine": "template", "video_engine": "runware", "music_engine": "builtin",
        "fps": 12, "x264_preset": "ultrafast", "job_max_attempts": 1})
    platform = open_platform(settings, immediate=True)
    brief = {"prompt": "Why octopuses are smarter than you think", "duration_s": 10,
             "voice": "hume:Ava Song"}
    with platform.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
        job_id = job_rows.new_job(session, tenant, brief).id
    fakes["runware"].state.inject("POST /v1 videoInference", "task-error", times=10)
    assert execute_job(platform, job_id) == "failed"
    spoken = fakes["hume"].state.paid["tts"]
    assert spoken >= 2
    for name, value in settings.child_environment().items():
        if name.startswith("REELFORGE_"):
            monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["usage", "--tenant", "acme", "--since", "1d", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["jobs"] == {"failed": 1}
    assert report["paid_calls"]["confirmed"] == spoken  # every billed narration, none hidden
    assert report["paid_calls"]["failed"] == spoken  # one refused Runware task per scene
    assert report["cost_by_provider"]["hume"] > 0 and "runware" not in report["cost_by_provider"]
    with platform.db.session() as session:
        assert spent_since(session, tenant, WEEK_AGO) == pytest.approx(report["cost_usd"])
        steps = {row.step for row in session.query(SpendCall).filter_by(job_id=job_id)}
    assert any(step.startswith("narrate scene-") for step in steps)
    assert any(step.startswith("visualize scene-") for step in steps)
    assert spend.current() is None
    with platform.db.session() as session:  # the failed job's own cost is the ledger's
        failed = session.get(Job, job_id)
        assert failed is not None and failed.cost_usd == pytest.approx(report["cost_usd"])


def test_spend_ledger_migration_creates_exactly_the_declared_table(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from reelforge.store.db import Base

    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert not [d for d in diffs if "spend_calls" in repr(d)]


def test_usage_api_shows_confirmed_and_may_have_been_billed_calls(
    settings: Settings, db: Database, acme: int
) -> None:
    from fastapi.testclient import TestClient

    from reelforge.jobs.platform import open_platform
    from reelforge.server.app import create_app
    from reelforge.store.tenants import create_key

    ledger = SqlSpendLedger(db)
    scope = SpendScope(acme, "job-1", "visualize scene-01")
    done = ledger.before_send(scope, ask("hume", estimate=0.02))
    ledger.settle(done, Settlement("confirmed", request_id="r", cost_usd=0.02))
    ledger.before_send(scope, ask("runware", estimate=0.30))  # its worker died
    with db.session() as session:
        key = create_key(session, "acme", "editor").secret
    platform = open_platform(settings.model_copy(update={"database_url": db.url}))
    answer = TestClient(create_app(platform=platform)).get(
        "/v1/usage?since=1d", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["cost_by_provider"] == {"hume": 0.02} and body["cost_usd"] == 0.02
    assert body["may_have_been_billed_by_provider"] == {"runware": 0.3}
    assert body["may_have_been_billed_usd"] == 0.3
    assert body["paid_calls"] == {"confirmed": 1, MAY_HAVE_BEEN_BILLED: 1}
