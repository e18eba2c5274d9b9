"""OpenAIScriptWriter (official SDK inside) against the OpenAI fake over loopback."""

from __future__ import annotations

import socket

import pytest

from reelforge.domain import Brief, Plan
from reelforge.errors import InputError, ProviderError
from reelforge.fakes.server import RunningFakes
from reelforge.providers.http import ProviderHttpError
from reelforge.providers.script.openai_writer import OpenAIScriptWriter, strict_schema
from reelforge.settings import Settings

from .conftest import paid_when_done

ROUTE = "POST /v1/chat/completions"
BRIEF = Brief(prompt="Why octopuses are smarter than you think", duration_s=30)


@pytest.fixture
def writer(remote_settings: Settings) -> OpenAIScriptWriter:
    return OpenAIScriptWriter.from_settings(remote_settings)


def test_openai_writer_returns_a_valid_plan_sized_to_the_brief(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    result = writer.write(BRIEF)
    assert isinstance(result.plan, Plan)
    assert len(result.plan.scenes) == 4  # 30 s at ~7.5 s a scene, as the prompt asks
    assert [s.index for s in result.plan.scenes] == [0, 1, 2, 3]
    assert all(s.narration.strip() for s in result.plan.scenes)
    assert result.plan.template == "explainer"
    (call,) = result.calls
    assert call.operation == "chat.completions" and call.model == "gpt-4o-mini"
    assert call.request_id and call.request_id.startswith("req_")
    assert call.cost_usd > 0 and call.attempts == 1
    assert fakes["openai"].state.paid["chat"] == 1


def test_openai_writer_sends_a_strict_json_schema_response_format(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    writer.write(BRIEF)
    (body,) = fakes["openai"].state.bodies[ROUTE]
    spec = body["response_format"]
    assert spec["type"] == "json_schema"
    assert spec["json_schema"]["name"] == "reelforge_plan"
    assert spec["json_schema"]["strict"] is True
    scene = spec["json_schema"]["schema"]["$defs"]["Scene"]
    assert scene["additionalProperties"] is False
    assert set(scene["required"]) == set(scene["properties"])
    assert BRIEF.prompt in body["messages"][1]["content"]


def test_strict_schema_requires_every_property_and_drops_defaults() -> None:
    schema = strict_schema(Plan.model_json_schema())
    assert set(schema["required"]) == set(schema["properties"])
    assert "default" not in str(schema)


def test_openai_writer_repairs_one_invalid_reply(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, "invalid-output", times=1)
    result = writer.write(BRIEF)
    assert len(result.calls) == 2
    second = fakes["openai"].state.bodies[ROUTE][1]["messages"]
    assert second[-1]["role"] == "user" and "cannot be used" in second[-1]["content"]
    assert second[-2] == {"role": "assistant", "content": '{"title": 42}'}


def test_openai_writer_fails_clearly_when_the_model_refuses_twice(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, "refusal", times=2)
    with pytest.raises(ProviderError, match="refused") as caught:
        writer.write(BRIEF)
    assert "after one repair attempt" in str(caught.value)
    assert fakes["openai"].state.paid["chat"] == 2


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_openai_writer_retries_each_refusal_of_the_server_then_pays_once(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, fault, times=1)
    result = OpenAIScriptWriter.from_settings(impatient_paid_settings).write(BRIEF)
    assert result.calls[0].attempts == 2
    assert fakes["openai"].state.requests[ROUTE] == 2
    assert fakes["openai"].state.paid["chat"] == 1


@pytest.mark.parametrize("fault", ["drop", "malformed", "slow", "502", "504"])
def test_openai_writer_is_not_resent_once_the_completion_may_have_been_billed(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, fault, times=1)
    with pytest.raises(ProviderHttpError) as caught:
        OpenAIScriptWriter.from_settings(impatient_paid_settings).write(BRIEF)
    assert caught.value.kind == "unconfirmed" and not caught.value.retryable
    assert "may have been processed and charged" in str(caught.value)
    if fault == "slow":
        assert paid_when_done(fakes["openai"].state, "chat") == 1
        assert "REELFORGE_HTTP_GENERATION_TIMEOUT_S" in (caught.value.hint or "")
    assert fakes["openai"].state.requests[ROUTE] == 1


def test_openai_writer_that_cannot_connect_is_retried(remote_settings: Settings) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = remote_settings.model_copy(update={"openai_base_url": f"http://127.0.0.1:{port}/v1"})
    with pytest.raises(ProviderHttpError, match="gave up after 4 attempts") as caught:
        OpenAIScriptWriter.from_settings(closed).write(BRIEF)
    assert caught.value.kind == "connection" and caught.value.retryable


def test_openai_writer_retries_after_429_with_retry_after(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, "429", times=2)
    result = writer.write(BRIEF)
    assert result.calls[0].attempts == 3
    assert fakes["openai"].state.requests[ROUTE] == 3


def test_openai_writer_gives_up_after_the_retry_budget(
    writer: OpenAIScriptWriter, fakes: RunningFakes
) -> None:
    fakes["openai"].state.inject(ROUTE, "500", times=10)
    with pytest.raises(ProviderError, match="gave up after 4 attempts") as caught:
        writer.write(BRIEF)
    assert caught.value.status == 500 and caught.value.retryable
    assert fakes["openai"].state.requests[ROUTE] == 4


def test_openai_writer_waits_the_generation_timeout_for_a_slow_completion(
    impatient_settings: Settings, fakes: RunningFakes
) -> None:
    writer = OpenAIScriptWriter.from_settings(impatient_settings)  # read 0.4 s, generation 20 s
    fakes["openai"].state.inject(ROUTE, "slow", times=1)
    result = writer.write(BRIEF)
    assert result.calls[0].attempts == 1
    assert fakes["openai"].state.requests[ROUTE] == 1 == fakes["openai"].state.paid["chat"]


def test_openai_writer_maps_a_bad_key_to_a_clear_error(
    remote_settings: Settings, fakes: RunningFakes
) -> None:
    from pydantic import SecretStr

    bad = remote_settings.model_copy(update={"openai_api_key": SecretStr("sk-wrong-0000000000")})
    with pytest.raises(ProviderError, match="OPENAI_API_KEY") as caught:
        OpenAIScriptWriter.from_settings(bad).write(BRIEF)
    assert caught.value.status == 401 and not caught.value.retryable


def test_openai_writer_version_names_the_model(remote_settings: Settings) -> None:
    other = remote_settings.model_copy(update={"openai_model": "gpt-4.1-mini"})
    assert OpenAIScriptWriter.from_settings(other).version.endswith("gpt-4.1-mini")


def test_openai_writer_without_a_key_is_an_input_error(settings: Settings) -> None:
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        OpenAIScriptWriter.from_settings(settings)


def test_openai_writer_records_each_completion_in_the_ledger_once_settled(
    remote_settings: Settings, fakes: RunningFakes
) -> None:
    from reelforge.providers import spend

    ledger = spend.MemorySpendLedger()
    scope = spend.SpendScope(tenant_id=1, job_id="job-1", step="plan")
    fakes["openai"].state.inject(ROUTE, "invalid-output", times=1)  # one repair turn: 2 calls
    with spend.recording(ledger, scope):
        result = OpenAIScriptWriter.from_settings(remote_settings).write(BRIEF)
    assert [e.state for e in ledger.entries] == ["confirmed", "confirmed"]
    assert [e.settlement.request_id for e in ledger.entries if e.settlement] == [
        c.request_id for c in result.calls]
    assert len({e.request.fingerprint for e in ledger.entries}) == 2  # two different asks
    assert fakes["openai"].state.paid["chat"] == 2
