"""The API's edge (issue 15): any input gets a 4xx (never a 5xx), every answer and log line
carries the request id, the OpenAPI document says what the validation does, and OPTIONS and
405 list every method of a path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from platform_support import TINY, auth

from reelforge.jobs.platform import Platform

JOB = "0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/jobs/a%00b", None),
    ("GET", "/v1/library/items/a%00b", None),
    ("GET", "/v1/jobs?batch_id=%00", None),
    ("GET", "/v1/batches/a%00b", None),
    ("DELETE", "/v1/keys/a%00b", None),
    ("POST", "/v1/keys", {"role": "viewer", "name": "a\u0000b"}),
    ("GET", f"/v1/jobs/{JOB}/events?after=78501854268", None),
    ("GET", f"/v1/jobs/{JOB}/artifacts/a%00b.mp4", None),
])
def test_nul_bytes_and_integers_past_a_column_are_refused_at_the_edge(
    client: TestClient, keys: dict[str, str], method: str, path: str, body: Any
) -> None:
    answer = client.request(method, path, json=body, headers=auth(keys["acme-admin"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("header", ["99999999999", b"\xb2", "-1", "abc"])
def test_a_bad_last_event_id_is_a_4xx(client: TestClient, keys: dict[str, str],
                                      header: str | bytes) -> None:
    answer = client.get(f"/v1/jobs/{JOB}/events",
                        headers={**auth(keys["acme-viewer"]), "Last-Event-ID": header})
    assert 400 <= answer.status_code < 500, answer.text


def test_the_studio_path_checks_last_event_id_too() -> None:
    """The studio calls the events route as a function, past FastAPI's header validation."""
    from reelforge.errors import InputError
    from reelforge.server.routes.events import start_after

    assert start_after(None, 4) == 4 and start_after("", 4) == 4 and start_after("7", 0) == 7
    for bad in ("²", "1" * 11, "x"):
        with pytest.raises(InputError):
            start_after(bad, 0)


def test_a_500_carries_the_request_id_in_its_header_body_and_log_line(
    client: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("reelforge.store.jobs.list_jobs", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    answer = quiet.get("/v1/jobs", headers={**auth(keys["acme-viewer"]),
                                            "X-Request-ID": "trace-me-42"})
    assert answer.status_code == 500
    assert answer.headers["X-Request-ID"] == "trace-me-42"
    assert answer.json()["error"]["details"]["request_id"] == "trace-me-42"
    logged = capsys.readouterr()
    crash = [line for line in (logged.out + logged.err).splitlines() if "unhandled error" in line]
    assert crash and "trace-me-42" in crash[0]


def test_every_answer_has_a_request_id_and_every_log_line_of_a_request_carries_it(
    client: TestClient, keys: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for answer in (client.get("/healthz"), client.get("/v1/jobs"),
                   client.get("/v1/jobs", headers=auth(keys["acme-viewer"]))):
        assert len(answer.headers["X-Request-ID"]) >= 8
    given = client.get("/v1/jobs", headers={**auth(keys["acme-viewer"]), "X-Request-ID": "r-1"})
    assert given.headers["X-Request-ID"] == "r-1"
    assert "request_id=r-1" in capsys.readouterr().out


def test_options_answers_204_with_every_method_of_the_path(client: TestClient) -> None:
    for path, methods in (("/v1/jobs", "GET, OPTIONS, POST"),
                          (f"/v1/jobs/{JOB}", "DELETE, GET, OPTIONS"),
                          ("/v1/keys", "GET, OPTIONS, POST")):
        answer = client.options(path)
        assert answer.status_code == 204 and answer.headers["Allow"] == methods


def test_a_405_lists_every_method_and_a_path_of_its_own_is_not_a_job_id(
    client: TestClient, keys: dict[str, str]
) -> None:
    put = client.put("/v1/jobs", headers=auth(keys["acme-admin"]))
    assert put.status_code == 405 and put.headers["Allow"] == "GET, OPTIONS, POST"
    estimate = client.get("/v1/jobs/estimate", headers=auth(keys["acme-admin"]))
    assert estimate.status_code == 405 and estimate.headers["Allow"] == "OPTIONS, POST"
    assert estimate.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(("field", "value"), [("seed", False), ("intensity", True),
                                              ("duration_s", "30"), ("seed", "7")])
def test_numbers_must_be_json_numbers_as_the_document_says(
    client: TestClient, keys: dict[str, str], field: str, value: Any
) -> None:
    answer = client.post("/v1/jobs/estimate", json={**TINY, field: value},
                         headers=auth(keys["acme-viewer"]))
    assert answer.status_code == 422 and f"body.{field}" in answer.json()["error"]["message"]
    assert client.post("/v1/jobs/estimate", json={**TINY, "seed": 7.0},
                       headers=auth(keys["acme-viewer"])).status_code == 200


def test_the_document_says_what_the_validation_does(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    brief = document["components"]["schemas"]["Brief"]["properties"]
    assert brief["prompt"]["pattern"] == r"\S" and brief["seed"]["type"] == "integer"
    job_id = next(p for p in document["paths"]["/v1/jobs/{job_id}"]["get"]["parameters"]
                  if p["name"] == "job_id")
    assert "pattern" in job_id["schema"]
    rate = document["components"]["schemas"]["KeyIn"]["properties"]["rate_per_minute"]
    assert rate["anyOf"][0] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000}


def test_a_whitespace_only_prompt_is_refused_as_the_document_says(
    client: TestClient, keys: dict[str, str]
) -> None:
    answer = client.post("/v1/jobs", json={**TINY, "prompt": " \t "},
                         headers=auth(keys["acme-editor"]))
    assert answer.status_code == 422 and "body.prompt" in answer.json()["error"]["message"]


def test_event_ids_count_within_the_job_not_across_the_platform(
    client: TestClient, platform: Platform, keys: dict[str, str], fake_pipeline: list[str]
) -> None:
    for _ in range(3):  # another tenant's activity must not show in acme's event ids
        client.post("/v1/jobs", json=TINY, headers=auth(keys["globex-editor"]))
    job = client.post("/v1/jobs", json=TINY, headers=auth(keys["acme-editor"])).json()
    platform.queue.drain()
    stream = client.get(f"/v1/jobs/{job['id']}/events", headers=auth(keys["acme-viewer"])).text
    ids = [int(line[4:]) for line in stream.splitlines() if line.startswith("id: ")]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) >= 3
    resumed = client.get(f"/v1/jobs/{job['id']}/events",
                         headers={**auth(keys["acme-viewer"]), "Last-Event-ID": str(ids[1])})
    again = [int(line[4:]) for line in resumed.text.splitlines() if line.startswith("id: ")]
    assert again == ids[2:]
    after = client.get(f"/v1/jobs/{job['id']}/events?after=1", headers=auth(keys["acme-viewer"]))
    first = next(line for line in after.text.splitlines() if line.startswith("data: "))
    assert json.loads(first[6:]) != {} and after.text.count("id: ") == len(ids) - 1


def test_the_analysis_document_of_a_job_is_served_like_its_other_artifacts(
    client: TestClient, platform: Platform, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_support import write_fake_result

    def fake_run(spec: Any, settings: Any, work_dir: Any, **options: Any) -> Any:
        job_id = options["job_id"]
        result = write_fake_result(work_dir / job_id, spec.brief, job_id)
        (work_dir / job_id / "analysis.json").write_text('{"shots": []}')
        return result

    monkeypatch.setattr("reelforge.pipeline.runner.run_job", fake_run)
    job = client.post("/v1/jobs", json=TINY, headers=auth(keys["acme-editor"])).json()
    platform.queue.drain()
    answer = client.get(f"/v1/jobs/{job['id']}/artifacts/analysis.json",
                        headers=auth(keys["acme-viewer"]))
    assert answer.status_code == 200 and answer.json() == {"shots": []}
    assert answer.headers["content-type"].startswith("application/json")


def test_a_refused_request_with_a_nul_in_its_path_is_still_audited(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    from reelforge.store.audit import AuditEntry

    client.delete("/v1/keys/a%00b", headers=auth(keys["acme-admin"]))
    with platform.db.session() as session:
        entry = session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert entry is not None and entry.status == 422
        assert entry.target == "/v1/keys/a\\x00b"


def test_a_nul_in_a_prompt_or_a_key_name_is_a_4xx_on_every_interface(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    from reelforge.errors import InputError
    from reelforge.store.tenants import create_key

    answer = client.post("/v1/jobs", json={**TINY, "prompt": "cats\u0000purr"},
                         headers=auth(keys["acme-editor"]))
    assert answer.status_code < 500, answer.text
    with platform.db.session() as session, pytest.raises(InputError, match="control"):
        create_key(session, "acme", "viewer", name="cli\u0000name")
