"""The shared HTTP behaviour: Retry-After parsing, redaction, error mapping, retry budget, and
the rule that a paid call is never resent once it may have reached the provider."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable

import httpx
import pytest

from reelforge.providers.http import (
    USER_AGENT,
    HttpPolicy,
    HttpReply,
    ProviderHttp,
    ProviderHttpError,
    Redactor,
    call_with_retries,
    parse_retry_after,
    vendor_message,
)

FAST = HttpPolicy(backoff_initial_s=0.001, backoff_max_s=0.002, max_retries=3)


def test_retry_after_ms_wins_over_retry_after_seconds() -> None:
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "3"}) == 0.25
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({}) is None


def test_retry_after_accepts_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert parse_retry_after({"Retry-After": when}) == pytest.approx(30, abs=2)


def test_redactor_hides_known_secrets_and_bearer_tokens() -> None:
    redact = Redactor(["sk-live-abcdef123456"])
    text = redact("key sk-live-abcdef123456 and Authorization: Bearer other.token-999 ok")
    assert "sk-live-abcdef123456" not in text and "other.token-999" not in text
    assert redact('{"apiKey": "rw-secret-1"}') == '{"apiKey": "[redacted]"}'


@pytest.mark.parametrize(("body", "expected"), [
    ({"error": {"message": "bad model", "type": "invalid_request_error"}}, "bad model"),
    ({"errors": [{"code": "invalidWidth", "parameter": "width", "message": "x8"}]},
     "invalidWidth (width): x8"),
    ({"detail": [{"loc": ["body", "utterances", 0, "text"], "msg": "too long"}]},
     "body.utterances.0.text: too long"),
    ({"error": "invalid_client", "error_description": "Invalid client"}, "Invalid client"),
    ({"error": {"status": 401, "message": "The access token expired"}}, "The access token expired"),
])
def test_vendor_message_reads_every_vendors_error_shape(body: object, expected: str) -> None:
    assert vendor_message(body) == expected


def _failure(retryable: bool, retry_after: float | None = None) -> ProviderHttpError:
    return ProviderHttpError("boom", provider="test", kind="503", retryable=retryable,
                             status=503, retry_after_s=retry_after)


def test_call_with_retries_counts_attempts_and_stops_at_the_budget() -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        raise _failure(True)

    with pytest.raises(ProviderHttpError, match="gave up after 4 attempts"):
        asyncio.run(call_with_retries(attempt, provider="test", operation="op", policy=FAST,
                                      redact=Redactor()))
    assert calls == 4


def test_call_with_retries_does_not_retry_a_permanent_error() -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        raise _failure(False)

    with pytest.raises(ProviderHttpError):
        asyncio.run(call_with_retries(attempt, provider="test", operation="op", policy=FAST,
                                      redact=Redactor()))
    assert calls == 1


def test_call_with_retries_waits_what_the_server_asked() -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise _failure(True, retry_after=0.3)
        return "ok"

    started = time.monotonic()
    outcome = asyncio.run(call_with_retries(attempt, provider="test", operation="op",
                                            policy=FAST, redact=Redactor()))
    assert outcome.value == "ok" and outcome.attempts == 2
    assert time.monotonic() - started >= 0.29


def test_requests_carry_a_real_user_agent() -> None:
    seen: list[str] = []

    async def run() -> None:
        import httpx

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["user-agent"])
            return httpx.Response(200, json={})

        async with ProviderHttp("test", "http://example.invalid", policy=FAST, key_name="K",
                                transport=httpx.MockTransport(handler)) as http:
            await http.request("op", "GET", "/x")

    asyncio.run(run())
    assert seen == [USER_AGENT] and USER_AGENT.startswith("reelforge/")


def test_runware_client_posts_to_the_base_url_itself_not_a_trailing_slash() -> None:
    async def run() -> str:
        import httpx

        seen: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(str(request.url))
            return httpx.Response(200, json={"data": []})

        async with ProviderHttp("runware", "https://api.runware.ai/v1", policy=FAST, key_name="K",
                                transport=httpx.MockTransport(handler)) as http:
            await http.request("op", "POST", "", json_body=[])
        return seen[0]

    assert asyncio.run(run()) == "https://api.runware.ai/v1"


def test_metrics_count_calls_errors_retries_and_cost_per_provider(
    remote_settings: object, fakes: object, tmp_path: object
) -> None:
    from pathlib import Path

    from prometheus_client import REGISTRY

    from reelforge.fakes.server import RunningFakes
    from reelforge.providers.base import SpeechRequest
    from reelforge.providers.voice.hume import HumeVoice

    assert isinstance(fakes, RunningFakes) and isinstance(tmp_path, Path)

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    labels = {"provider": "hume", "operation": "synthesize speech"}
    before = (value("reelforge_provider_calls_total", outcome="ok", **labels),
              value("reelforge_provider_errors_total", kind="503", **labels),
              value("reelforge_provider_retries_total", **labels),
              value("reelforge_provider_cost_usd_total", provider="hume", operation="tts"))
    fakes["hume"].state.inject("POST /v0/tts", "503", times=1)
    HumeVoice.from_settings(remote_settings).speak(  # type: ignore[arg-type]
        SpeechRequest(sentences=("Hello.",), voice="Ava Song"), tmp_path / "a.wav")
    after = (value("reelforge_provider_calls_total", outcome="ok", **labels),
             value("reelforge_provider_errors_total", kind="503", **labels),
             value("reelforge_provider_retries_total", **labels),
             value("reelforge_provider_cost_usd_total", provider="hume", operation="tts"))
    assert after[0] - before[0] == 1 and after[1] - before[1] == 1 and after[2] - before[2] == 1
    assert after[3] - before[3] == pytest.approx(6 * 0.20 / 1000)


def _request_with(
    handler: Callable[[httpx.Request], httpx.Response], *, paid: bool,
    policy: HttpPolicy = FAST,
) -> HttpReply:
    async def run() -> HttpReply:
        async with ProviderHttp("test", "http://example.invalid", policy=policy, key_name="K",
                                transport=httpx.MockTransport(handler)) as http:
            return await http.request("generate", "POST", "/x", json_body={}, paid=paid)

    return asyncio.run(run())


def _fails_first(error: type[Exception] | None, calls: list[int],
                 body: bytes = b"{}") -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1 and error is not None:
            raise error("boom")
        return httpx.Response(200, content=body)

    return handler


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ReadError,
                                   httpx.RemoteProtocolError])
def test_paid_call_that_may_have_reached_the_server_is_not_retried(
    error: type[Exception],
) -> None:
    calls: list[int] = []
    with pytest.raises(ProviderHttpError) as caught:
        _request_with(_fails_first(error, calls), paid=True)
    assert calls == [1]
    assert caught.value.kind == "unconfirmed" and not caught.value.retryable
    assert "charged" in caught.value.message and "re-run the job" in (caught.value.hint or "")


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                                   httpx.WriteError])
def test_paid_call_that_never_reached_the_server_is_retried(error: type[Exception]) -> None:
    calls: list[int] = []
    reply = _request_with(_fails_first(error, calls), paid=True)
    assert reply.attempts == 2 and len(calls) == 2


def test_paid_call_with_a_broken_2xx_body_is_not_retried_but_a_free_one_is() -> None:
    calls: list[int] = []
    broken = _fails_first(None, calls, body=b'{"oops": [1')
    with pytest.raises(ProviderHttpError, match="may have been processed and charged"):
        _request_with(broken, paid=True)
    assert len(calls) == 1
    with pytest.raises(ProviderHttpError, match="gave up after 4 attempts"):
        _request_with(broken, paid=False)
    assert len(calls) == 1 + 4


def test_free_call_that_timed_out_reading_is_retried() -> None:
    calls: list[int] = []
    reply = _request_with(_fails_first(httpx.ReadTimeout, calls), paid=False)
    assert reply.attempts == 2 and len(calls) == 2


def test_paid_call_waits_the_generation_timeout_and_connects_as_fast_as_any() -> None:
    policy = HttpPolicy(connect_timeout_s=2.0, read_timeout_s=3.0, generation_timeout_s=300.0)
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={})

    _request_with(handler, paid=True, policy=policy)
    _request_with(handler, paid=False, policy=policy)
    assert seen[0]["read"] == 300.0 and seen[0]["connect"] == 2.0
    assert seen[1]["read"] == 3.0 and seen[1]["connect"] == 2.0


def test_generation_timeout_comes_from_settings() -> None:
    from reelforge.settings import Settings

    settings = Settings(_env_file=None, http_generation_timeout_s=42.0)
    assert HttpPolicy.from_settings(settings).generation_timeout_s == 42.0
    assert Settings(_env_file=None).http_generation_timeout_s == 300.0
