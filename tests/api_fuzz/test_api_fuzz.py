"""Schemathesis over every operation of the API, with a key of each role: whatever the input,
the server answers 4xx or 2xx (never 5xx), and every answer matches the OpenAPI document.

Operations run in order of harm: reads first, then writes, then deletes, and the key revocation
last of all, so the run never revokes the keys it is using. The number of examples is bounded
(``EXAMPLES`` per operation, mode and role) to keep the test near a minute on two cores.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from pydantic import SecretStr

from reelforge.jobs.platform import open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("REELFORGE_FUZZ_EXAMPLES", "12"))
ROLES = ("admin", "editor", "viewer")
#: Never a 5xx; every answer as documented (status, body, content type); invalid input refused
#: and valid input accepted (the document and the validation agree); unsupported methods 405
#: with a correct ``Allow``.
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
          "content_type_conformance", "negative_data_rejection", "positive_data_acceptance",
          "unsupported_method", "allow_header_conformance")
#: Operations whose valid-looking input can still be refused (400) for a rule no JSON Schema
#: can state; for them a 400 to schema-valid input is no disagreement with the document.
RULES_BEYOND_SCHEMA = {
    "POST /v1/library/items": "the bytes must be a video, picture or song",
    "POST /v1/library/register": "the path must be a file under a library root",
    "GET /v1/usage": "the date must exist (2026-02-30 does not)",
    # a brief's voice must be one this server can speak with (`reelforge voices`; the espeak
    # voices depend on the machine), and a script must fit its duration: checked, answered 422
    "POST /v1/jobs": "the voice must exist on this server; a script must fit the duration",
    "POST /v1/jobs/estimate": "the voice must exist on this server",
    "POST /v1/batches": "each brief's voice must exist on this server",
    "GET /v1/footage/search": "the tenant must have indexed footage (reelforge footage add)",
    "POST /v1/clips": "the item must be a video of the tenant's library",
}
_HARM = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}


@pytest.fixture
def database_url(settings: Settings) -> Iterator[str | None]:
    """PostgreSQL in a schema of its own when configured (its NUL and integer limits are what
    the fuzzing is for), else SQLite."""
    pg = os.environ.get("REELFORGE_TEST_POSTGRES_URL")
    if not pg:
        yield None
        return
    schema = f"rf_fuzz_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{separator}options=-csearch_path%3D{schema}"
    finally:
        forget_databases()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class InstantSongSearch:
    """The song search without its embedding model (loading it takes a minute here): the
    fuzzing is about the HTTP edge, and the search itself has tests of its own."""

    def search(self, request: Any) -> list[Any]:
        return []


@pytest.fixture
def app(settings: Settings, database_url: str | None,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    from reelforge.server.app import create_app

    monkeypatch.setattr("reelforge.providers.music.semantic.SemanticMusicSource.from_settings",
                        staticmethod(lambda settings: InstantSongSearch()))

    fuzz_settings = settings.model_copy(update={
        "rate_per_minute": 1e9, "rate_burst": 10**9, "quota_jobs_per_day": 10**6,
        "upload_max_mb": 1.0, "master_key": SecretStr(base64.b64encode(bytes(32)).decode()),
        **({"database_url": database_url} if database_url else {})})
    platform = open_platform(fuzz_settings)
    yield create_app(platform=platform)
    forget_databases()


def operations_by_harm(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: (_HARM.get(op.method.upper(), 1),
                                         op.path == "/v1/keys/{prefix}", op.path))


@pytest.mark.slow
def test_no_input_makes_a_server_error_or_an_undocumented_answer(app: FastAPI) -> None:
    from schemathesis import checks
    from schemathesis.generation.hypothesis.builder import (
        HypothesisTestConfig,
        HypothesisTestMode,
        create_test,
    )

    platform = app.state.platform
    with platform.db.session() as session:
        keys = [create_key(session, "fuzz", role).secret for role in ROLES]
        create_key(session, "fuzz", "admin")  # so the tenant keeps an admin key whatever happens
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}

    for operation in operations_by_harm(schema):

        def fuzz(case: Any) -> None:
            """Each case goes out with the next role's key, so every role sees every kind of
            input (coverage cases: boundaries, wrong types, odd bytes; then random ones)."""
            number = calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            role = ROLES[number % len(ROLES)]
            headers = {**(case.headers or {}),
                       "Authorization": f"Bearer {keys[number % len(ROLES)]}"}
            response = case.call(headers=headers)
            names = [n for n in CHECKS if not (n == "positive_data_acceptance" and
                                               case.operation.label in RULES_BEYOND_SCHEMA)]
            try:
                case.validate_response(response, checks=[getattr(checks, n) for n in names])
            except (Exception, BaseExceptionGroup) as exc:  # collect all findings, then fail
                found = getattr(exc, "exceptions", None) or [exc]
                titles = ", ".join(sorted({getattr(f, "title", type(f).__name__) for f in found}))
                key = f"{case.operation.label}: {titles}"
                if key not in failures:
                    failures[key] = (f"{key} (as {role}, answered {response.status_code}: "
                                     f"{response.text[:300]})\n  {case.as_curl_command()}")

        test = create_test(operation=operation, test_func=fuzz, config=HypothesisTestConfig(
            project=schema.config, modes=list(HypothesisTestMode),
            settings=hypothesis.settings(
                max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))))
        test()

    assert len(calls) == len(operations_by_harm(schema)), sorted(calls)
    assert not failures, f"{len(failures)} kinds of failure:\n" + "\n".join(failures.values())
