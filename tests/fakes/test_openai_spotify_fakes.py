"""The OpenAI and Spotify fakes: error shapes, headers, paging links, counters."""

from __future__ import annotations

import httpx

from reelforge.fakes.server import RunningFakes


def test_openai_fake_errors_use_the_error_object_shape(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url, headers = f"{served['openai'].url}/v1/chat/completions", {"Authorization": f"Bearer {key}"}
    missing = http.post(url, json={"messages": [{"role": "user", "content": "hi"}]},
                        headers=headers)
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "model"
    assert missing.json()["error"]["type"] == "invalid_request_error"
    limited = http.post(url, json={}, headers={**headers, "X-Fake-Fault": "429"})
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert limited.headers["x-request-id"].startswith("req_")


def test_openai_fake_counts_paid_calls_and_requests_separately(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url, headers = f"{served['openai'].url}/v1/chat/completions", {"Authorization": f"Bearer {key}"}
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    http.post(url, json=body, headers={**headers, "X-Fake-Fault": "503"})
    ok = http.post(url, json=body, headers=headers)
    assert ok.json()["choices"][0]["message"]["content"]
    assert served["openai"].state.requests["POST /v1/chat/completions"] == 2
    assert served["openai"].state.paid["chat"] == 1


def test_spotify_fake_token_needs_basic_auth_and_client_credentials(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url = f"{served['spotify'].url}/api/token"
    bad = http.post(url, data={"grant_type": "client_credentials"}, auth=("id", "wrong"))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    ok = http.post(url, data={"grant_type": "client_credentials"}, auth=("id", key)).json()
    assert ok["token_type"] == "Bearer" and ok["expires_in"] == 3600


def test_spotify_fake_search_links_next_pages_back_to_itself(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    base = served["spotify"].url
    token = http.post(f"{base}/api/token", data={"grant_type": "client_credentials"},
                      auth=("id", key)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    page = http.get(f"{base}/v1/search", params={"q": "piano", "type": "track", "limit": 10},
                    headers=headers).json()["tracks"]
    assert page["total"] == 15 and len(page["items"]) == 10 and page["previous"] is None
    assert page["next"].startswith(f"{base}/v1/search?")
    second = http.get(page["next"], headers=headers).json()["tracks"]
    assert len(second["items"]) == 5 and second["next"] is None
    too_many = http.get(f"{base}/v1/search", params={"q": "piano", "type": "track",
                                                     "limit": 50}, headers=headers)
    assert too_many.status_code == 400 and too_many.json()["error"]["status"] == 400
    features = http.get(f"{base}/v1/audio-features", params={"ids": page["items"][0]["id"]},
                        headers=headers)
    assert features.status_code == 403


def test_faults_can_be_planned_from_settings(tmp_path: object) -> None:
    from reelforge.fakes.common import FakeConfig, parse_fault_plan
    from reelforge.fakes.hume import create_app
    from reelforge.settings import Settings

    plan = "hume:POST /v0/tts=429x2; spotify:GET /v1/search=drop"
    settings = Settings(_env_file=None, fake_faults=plan)
    config = FakeConfig.from_settings(settings)
    assert config.faults == (("hume", "POST /v0/tts", "429", 2),
                             ("spotify", "GET /v1/search", "drop", 1))
    state = create_app(settings, config).state.fake
    assert state.faults == {"POST /v0/tts": ["429", "429"]}
    import pytest

    from reelforge.errors import InputError

    with pytest.raises(InputError, match="service:ROUTE=kind"):
        parse_fault_plan("hume=429")


def test_fault_plan_reads_kinds_that_contain_an_x_whole() -> None:
    from reelforge.fakes.common import parse_fault_plan

    assert parse_fault_plan("spotify:GET /v1/search=expired-token") == (
        ("spotify", "GET /v1/search", "expired-token", 1),)
    assert parse_fault_plan("spotify:GET /v1/search=expired-tokenx3") == (
        ("spotify", "GET /v1/search", "expired-token", 3),)


def test_fault_plan_with_an_unknown_kind_is_a_clear_error_naming_the_kinds() -> None:
    import pytest

    from reelforge.errors import InputError
    from reelforge.fakes.common import parse_fault_plan

    with pytest.raises(InputError, match="unknown fault kind 'teapot'") as caught:
        parse_fault_plan("hume:POST /v0/tts=teapotx2")
    assert "expired-token" in (caught.value.hint or "")


def test_fake_refuses_to_plan_an_unknown_fault_over_http(
    served: RunningFakes, http: httpx.Client
) -> None:
    base = served["hume"].url
    refused = http.post(f"{base}/_fake/faults", json={"route": "POST /v0/tts", "kind": "teapot"})
    assert refused.status_code == 400 and "teapot" in refused.json()["error"]
    asked = http.post(f"{base}/v0/tts", json={}, headers={"X-Fake-Fault": "teapot"})
    assert asked.status_code == 400 and "unknown fault kind" in asked.json()["error"]
    assert served["hume"].state.stats()["pending_faults"] == {}
