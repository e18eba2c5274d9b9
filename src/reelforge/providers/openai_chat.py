"""One paid OpenAI chat completion (or any OpenAI-compatible server's), sent the one way.

Shared by the script writer (``script/openai_writer.py``) and the footage captioner
(``vision.py``): the official SDK with its own retries off, ``providers/http.py``'s retry policy,
errors mapped by ``http_errors.py``, and the spend ledger around the call (``paid_calls.py``) —
a completion is billed and not idempotent, so it is never resent once it may have reached the
server. Token usage becomes the cost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import openai

from reelforge.domain import ProviderCall
from reelforge.providers import metrics
from reelforge.providers.http import (
    USER_AGENT,
    HttpPolicy,
    ProviderHttpError,
    Redactor,
    call_with_retries,
)
from reelforge.providers.http_errors import error_from_response
from reelforge.providers.paid_calls import (
    may_have_been_processed,
    paid_call,
    status_may_have_been_processed,
    unconfirmed_error,
)

PROVIDER = "openai"
#: USD per million (input, output) tokens; unknown models (local servers) cost 0.
PRICES_PER_M_TOKENS = {
    "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60), "gpt-4.1": (2.00, 8.00), "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}
CHARS_PER_TOKEN = 4  # the ledger's estimate of a request's size before the reply


@dataclass(frozen=True)
class ChatReply:
    """The first choice's text (or refusal) and the call as the manifest records it."""

    content: str | None
    refusal: str | None
    call: ProviderCall


def chat_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    price_in, price_out = PRICES_PER_M_TOKENS.get(model, (0.0, 0.0))
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1e6


def open_client(api_key: str, base_url: str, policy: HttpPolicy) -> openai.AsyncOpenAI:
    """The SDK's client with its retries off (``call_with_retries`` is the one policy)."""
    return openai.AsyncOpenAI(
        api_key=api_key, base_url=base_url, max_retries=0,
        timeout=openai.Timeout(**policy.generation_timeout.as_dict()),
        default_headers={"User-Agent": USER_AGENT},
    )


async def complete(
    client: openai.AsyncOpenAI, *, model: str, messages: list[dict[str, Any]],
    operation: str, policy: HttpPolicy, redact: Redactor, base_url: str,
    response_format: dict[str, Any] | None = None, estimated_output_tokens: int = 1500,
) -> ChatReply:
    """Send one completion (``operation`` names it in errors: "write script"), retried only
    while it cannot have been billed, recorded in the spend ledger before it is sent."""

    async def attempt() -> Any:
        try:
            extra = {"response_format": response_format} if response_format else {}
            raw = await client.chat.completions.with_raw_response.create(  # type: ignore[call-overload]
                # no temperature: reasoning models (o-series, gpt-5) reject the parameter
                model=model, messages=messages, **extra,
            )
        except openai.APIStatusError as exc:
            error = error_from_response(
                PROVIDER, operation, exc.status_code, dict(exc.response.headers),
                exc.response.content, key_name="OPENAI_API_KEY",
                request_id=exc.request_id, redact=redact,
            )
            if status_may_have_been_processed(exc.status_code):  # a gateway's 502/504
                raise unconfirmed_error(PROVIDER, error.message, status=exc.status_code,
                                        request_id=exc.request_id) from None
            raise error from None
        except openai.APITimeoutError as exc:
            if may_have_been_processed(exc.__cause__):
                raise unconfirmed_error(
                    PROVIDER, f"{operation} got no reply within"
                    f" {policy.generation_timeout_s:g} s",
                    timeout_s=policy.generation_timeout_s) from None
            raise ProviderHttpError(f"{operation} timed out", provider=PROVIDER,
                                    kind="timeout", retryable=True,
                                    hint=f"check the network and {base_url}") from None
        except openai.APIConnectionError as exc:
            if may_have_been_processed(exc.__cause__):
                raise unconfirmed_error(
                    PROVIDER, f"{operation} lost the connection before the reply was complete"
                    f" ({redact(str(exc.__cause__ or exc))})") from None
            raise ProviderHttpError(
                f"{operation} could not reach the server ({redact(str(exc))})",
                provider=PROVIDER, kind="connection", retryable=True,
                hint=f"check the network and OPENAI_BASE_URL ({base_url})") from None
        try:
            return raw, raw.parse()
        except Exception as exc:  # a broken reply to a completion that was done and billed
            raise unconfirmed_error(
                PROVIDER,
                f"{operation} returned a reply that cannot be read ({redact(str(exc))})",
                status=raw.status_code, request_id=raw.headers.get("x-request-id"),
            ) from None

    asked: dict[str, Any] = {"model": model, "messages": messages}
    if response_format:
        asked["response_format"] = response_format
    estimate = chat_cost(model, len(json.dumps(asked)) // CHARS_PER_TOKEN,
                         estimated_output_tokens)
    with paid_call(PROVIDER, "chat.completions", model, request=asked,
                   estimated_cost_usd=estimate) as paid:
        outcome = await call_with_retries(attempt, provider=PROVIDER, operation=operation,
                                          policy=policy, redact=redact)
        raw, completion = outcome.value
        request_id = raw.headers.get("x-request-id")
        usage = completion.usage
        cost = chat_cost(model, usage.prompt_tokens if usage else 0,
                         usage.completion_tokens if usage else 0)
        paid.confirm(request_id=request_id or completion.id, cost_usd=cost)
    metrics.record_cost(PROVIDER, "chat", cost)
    call = ProviderCall(
        provider=PROVIDER, operation="chat.completions", model=completion.model or model,
        duration_s=round(outcome.duration_s, 3), cost_usd=round(cost, 6),
        request_id=request_id or completion.id, attempts=outcome.attempts,
    )
    if not completion.choices:
        return ChatReply(None, None, call)
    message = completion.choices[0].message
    return ChatReply(message.content, getattr(message, "refusal", None), call)
