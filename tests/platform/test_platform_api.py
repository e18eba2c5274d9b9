"""The REST API as a user meets it: jobs, tenant isolation, the role matrix, limits, errors,
range requests, server-sent events, batches, audit, health and metrics."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from platform_support import TINY, auth

from reelforge.jobs.platform import Platform
from reelforge.store.audit import AuditEntry


def submit(client: TestClient, key: str, brief: dict | None = None) -> dict:
    answer = client.post("/v1/jobs", json=brief or TINY, headers=auth(key))
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_job_submitted_over_http_is_queued_then_succeeds(
    client: TestClient, platform: Platform, keys: dict[str, str], fake_pipeline: list[str]
) -> None:
    job = submit(client, keys["acme-editor"])
    assert job["state"] == "queued" and job["brief"]["prompt"] == "Why cats purr"
    platform.queue.drain()
    done = client.get(f"/v1/jobs/{job['id']}", headers=auth(keys["acme-viewer"])).json()
    assert done["state"] == "succeeded" and done["progress"] == 1.0
    listed = client.get("/v1/jobs", headers=auth(keys["acme-viewer"])).json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]


def test_other_tenants_job_answers_404_everywhere(
    client: TestClient, platform: Platform, keys: dict[str, str], fake_pipeline: list[str]
) -> None:
    job = submit(client, keys["acme-editor"])
    platform.queue.drain()
    spy = auth(keys["globex-editor"])
    for method, path in (("GET", f"/v1/jobs/{job['id']}"), ("DELETE", f"/v1/jobs/{job['id']}"),
                         ("GET", f"/v1/jobs/{job['id']}/events"),
                         ("GET", f"/v1/jobs/{job['id']}/artifacts"),
                         ("GET", f"/v1/jobs/{job['id']}/artifacts/final.mp4")):
        answer = client.request(method, path, headers=spy)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert answer.json()["error"]["code"] == "not_found"
    assert client.get("/v1/jobs", headers=spy).json()["jobs"] == []
    still = client.get(f"/v1/jobs/{job['id']}", headers=auth(keys["acme-viewer"])).json()
    assert still["state"] == "succeeded"


# (method, path, body, the roles allowed) — the whole permission matrix of the API
MATRIX = [
    ("GET", "/v1/jobs", None, {"admin", "editor", "viewer"}),
    ("POST", "/v1/jobs", TINY, {"admin", "editor"}),
    ("POST", "/v1/jobs/estimate", TINY, {"admin", "editor", "viewer"}),
    ("POST", "/v1/batches", {"briefs": [TINY]}, {"admin", "editor"}),
    ("GET", "/v1/providers", None, {"admin", "editor", "viewer"}),
    ("GET", "/v1/library/items", None, {"admin", "editor", "viewer"}),
    ("POST", "/v1/library/register", {"path": "/nonexistent/x.mp4"}, {"admin"}),
    ("GET", "/v1/usage", None, {"admin", "editor"}),
    ("GET", "/v1/keys", None, {"admin"}),
    ("POST", "/v1/keys", {"role": "viewer"}, {"admin"}),
    ("GET", "/v1/audit", None, {"admin"}),
]


@pytest.mark.parametrize("role", ["admin", "editor", "viewer"])
def test_role_matrix(client: TestClient, keys: dict[str, str], role: str) -> None:
    for method, path, body, allowed in MATRIX:
        answer = client.request(method, path, json=body, headers=auth(keys[f"acme-{role}"]))
        if role in allowed:
            assert answer.status_code != 403, (role, method, path, answer.text)
            assert answer.status_code < 500
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            assert answer.json()["error"]["code"] == "forbidden"


def test_viewer_cannot_cancel_but_editor_can(client: TestClient, keys: dict[str, str]) -> None:
    job = submit(client, keys["acme-editor"])
    assert client.delete(f"/v1/jobs/{job['id']}",
                         headers=auth(keys["acme-viewer"])).status_code == 403
    canceled = client.delete(f"/v1/jobs/{job['id']}", headers=auth(keys["acme-editor"]))
    assert canceled.status_code == 200 and canceled.json()["state"] == "canceled"


def test_missing_unknown_and_revoked_keys_answer_401(client: TestClient, platform: Platform,
                                                     keys: dict[str, str]) -> None:
    assert client.get("/v1/jobs").json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/jobs", headers=auth("rf_00000000_nope")).status_code == 401
    assert client.get("/v1/jobs", headers={"X-API-Key": keys["acme-viewer"]}).status_code == 200
    prefix = keys["acme-viewer"].split("_")[1]
    assert client.delete(f"/v1/keys/{prefix}",
                         headers=auth(keys["acme-admin"])).json()["revoked"] is True
    client.app.state.key_cache = type(client.app.state.key_cache)()  # skip the 5 s cache
    assert client.get("/v1/jobs", headers=auth(keys["acme-viewer"])).status_code == 401


def test_rate_limit_answers_429_with_retry_after(client: TestClient, platform: Platform) -> None:
    from reelforge.store.tenants import create_key

    with platform.db.session() as session:
        key = create_key(session, "acme", "viewer", rate_per_minute=6).secret
    burst = platform.settings.rate_burst
    codes = [client.get("/v1/jobs", headers=auth(key)).status_code for _ in range(burst + 2)]
    assert codes[:burst] == [200] * burst
    limited = client.get("/v1/jobs", headers=auth(key))
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "quota_exceeded"
    assert 1 <= int(limited.headers["Retry-After"]) <= 10  # 6/min: one token every 10 s


def test_daily_job_quota_and_cost_budget_are_checked_before_queueing(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    from reelforge.store.tenants import Tenant

    with platform.db.session() as session:
        acme = session.query(Tenant).filter_by(name="acme").one()
        acme.jobs_per_day = 1
    submit(client, keys["acme-editor"])
    refused = client.post("/v1/jobs", json=TINY, headers=auth(keys["acme-editor"]))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "jobs a day" in refused.json()["error"]["message"]
    with platform.db.session() as session:
        acme = session.query(Tenant).filter_by(name="acme").one()
        acme.jobs_per_day, acme.budget_usd_per_day = None, 0.0
    platform.settings = platform.settings.model_copy(update={
        "video_engine": "runware", "runware_api_key": "x"})
    over = client.post("/v1/jobs", json=TINY, headers=auth(keys["acme-editor"]))
    assert over.status_code == 429 and "budget" in over.json()["error"]["message"]


def test_bad_input_gets_one_clear_error_in_the_one_shape(client: TestClient,
                                                         keys: dict[str, str]) -> None:
    answer = client.post("/v1/jobs", json={**TINY, "duration_s": 9999},
                         headers=auth(keys["acme-editor"]))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert "duration_s" in error["message"]
    unknown = client.get("/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


def test_artifacts_support_range_requests(client: TestClient, platform: Platform,
                                          keys: dict[str, str], fake_pipeline: list[str]) -> None:
    job = submit(client, keys["acme-editor"])
    platform.queue.drain()
    url = f"/v1/jobs/{job['id']}/artifacts/final.mp4"
    whole = client.get(url, headers=auth(keys["acme-viewer"]))
    assert whole.status_code == 200 and len(whole.content) == 10240
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**auth(keys["acme-viewer"]), "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == "bytes 100-199/10240"
    tail = client.get(url, headers={**auth(keys["acme-viewer"]), "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = client.get(url, headers={**auth(keys["acme-viewer"]), "Range": "bytes=20000-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */10240"
    listed = client.get(f"/v1/jobs/{job['id']}/artifacts", headers=auth(keys["acme-viewer"]))
    assert {a["name"] for a in listed.json()} == {"final.mp4", "captions.srt", "manifest.json"}


def test_events_stream_replays_the_job_and_ends(client: TestClient, platform: Platform,
                                                keys: dict[str, str],
                                                fake_pipeline: list[str]) -> None:
    job = submit(client, keys["acme-editor"])
    platform.queue.drain()
    with client.stream("GET", f"/v1/jobs/{job['id']}/events",
                       headers=auth(keys["acme-viewer"])) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        text = "".join(answer.iter_text())
    blocks = [b for b in text.split("\n\n") if b.strip()]
    states = [json.loads(b.split("data: ", 1)[1])["state"] for b in blocks
              if "event: state" in b]
    assert states == ["queued", "running", "succeeded"]
    assert blocks[-1].startswith("event: end")
    ids = [int(b.split("\n")[0].removeprefix("id: ")) for b in blocks if b.startswith("id: ")]
    resumed = client.get(f"/v1/jobs/{job['id']}/events",
                         headers={**auth(keys["acme-viewer"]), "Last-Event-ID": str(ids[0])})
    assert f"id: {ids[0]}\n" not in resumed.text and f"id: {ids[1]}\n" in resumed.text


def test_batch_reports_each_brief(client: TestClient, platform: Platform, keys: dict[str, str],
                                  fake_pipeline: list[str]) -> None:
    made = client.post("/v1/batches", json={"briefs": [TINY, {**TINY, "prompt": "Why dogs dig"}]},
                       headers=auth(keys["acme-editor"]))
    assert made.status_code == 202 and made.json()["total"] == 2
    platform.queue.drain()
    report = client.get(f"/v1/batches/{made.json()['batch_id']}",
                        headers=auth(keys["acme-viewer"])).json()
    assert report["counts"] == {"succeeded": 2}
    assert all("final.mp4" in item["artifacts"] for item in report["items"])


def test_estimate_prices_remote_engines_and_offline_is_free(client: TestClient,
                                                            platform: Platform,
                                                            keys: dict[str, str]) -> None:
    free = client.post("/v1/jobs/estimate", json=TINY, headers=auth(keys["acme-viewer"])).json()
    assert free["cost_usd"] == 0
    platform.settings = platform.settings.model_copy(update={"video_engine": "runware"})
    paid = client.post("/v1/jobs/estimate", json={**TINY, "duration_s": 30},
                       headers=auth(keys["acme-viewer"])).json()
    assert paid["by_provider"]["runware"] > 0 and paid["engines"]["video"] == "runware"


def test_every_mutating_call_is_audited(client: TestClient, platform: Platform,
                                        keys: dict[str, str]) -> None:
    job = submit(client, keys["acme-editor"])
    client.delete(f"/v1/jobs/{job['id']}", headers=auth(keys["acme-viewer"]))  # refused: 403
    client.post("/v1/jobs", json=TINY)  # anonymous: 401
    with platform.db.session() as session:
        rows = [(e.actor.split(":")[0], e.action, e.status)
                for e in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert rows == [("key", "POST /v1/jobs", 202), ("key", "DELETE /v1/jobs/{job_id}", 403),
                    ("anonymous", "POST /v1/jobs", 401)]
    entries = client.get("/v1/audit", headers=auth(keys["acme-admin"])).json()
    assert entries[0]["source"] and entries[-1]["action"] == "POST /v1/jobs"


def test_upload_limits_type_and_size(client: TestClient, platform: Platform,
                                     keys: dict[str, str]) -> None:
    editor = auth(keys["acme-editor"])
    wrong = client.post("/v1/library/items", files={"file": ("notes.exe", b"MZ")},
                        headers=editor)
    assert wrong.status_code == 400 and "unsupported file type" in wrong.json()["error"]["message"]
    platform.settings = platform.settings.model_copy(update={"upload_max_mb": 0.001})
    big = client.post("/v1/library/items", files={"file": ("a.png", b"x" * 5000)},
                      headers=editor)
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"


def test_health_ready_and_metrics(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz").json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "queue": "ok",
                                                "storage": "ok"}}
    client.get("/v1/jobs", headers=auth(keys["acme-viewer"]))
    text = client.get("/metrics").text
    assert 'reelforge_http_request_seconds_count{method="GET",route="/v1/jobs",status="200"}' \
        in text
    assert 'reelforge_jobs{state="queued"}' in text and "reelforge_queue_depth" in text


def test_readyz_answers_503_when_storage_is_unreachable(client: TestClient,
                                                        platform: Platform) -> None:
    class Broken:
        def reachable(self) -> None:
            raise OSError("bucket gone")

    platform.artifacts = Broken()  # type: ignore[assignment]
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["storage"].startswith("failed")


def test_storage_quota_refuses_new_jobs_until_old_artifacts_are_deleted(
    client: TestClient, platform: Platform, keys: dict[str, str], fake_pipeline: list[str]
) -> None:
    from reelforge.store.tenants import Tenant

    editor = auth(keys["acme-editor"])
    job = submit(client, keys["acme-editor"])
    platform.queue.drain()
    with platform.db.session() as session:
        session.query(Tenant).filter_by(name="acme").one().storage_mb = 0.01  # 10 kB
    full = client.post("/v1/jobs", json=TINY, headers=editor)
    assert full.status_code == 413 and full.json()["error"]["code"] == "storage_quota_exceeded"
    assert "Retry-After" not in full.headers  # waiting frees nothing; the hint says what does
    assert "DELETE /v1/jobs" in full.json()["error"]["details"]["hint"]
    deleted = client.delete(f"/v1/jobs/{job['id']}", headers=editor).json()
    assert deleted["state"] == "succeeded" and deleted["result"]["deleted"] is True
    assert client.get(f"/v1/jobs/{job['id']}/artifacts/final.mp4", headers=editor).status_code \
        == 404
    assert client.post("/v1/jobs", json=TINY, headers=editor).status_code == 202


@pytest.mark.parametrize("path", ["~nobody-here/clip.mp4", "relative/clip.mp4", "/tmp/a\x00b.mp4",
                                  "/etc/passwd"])
def test_register_refuses_paths_outside_the_library_roots_with_one_clear_error(
    client: TestClient, keys: dict[str, str], path: str
) -> None:
    answer = client.post("/v1/library/register", json={"path": path},
                         headers=auth(keys["acme-admin"]))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"
