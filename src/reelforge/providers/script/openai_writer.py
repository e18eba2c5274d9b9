"""The script writer on OpenAI chat completions (or any OpenAI-compatible server: Ollama, vLLM).

It asks for the Plan through a strict JSON-schema structured output, validates the reply with
the same pydantic model the pipeline uses, and gives an invalid or refused reply one repair turn
before failing with a clear error. Retries follow ``providers/http.py`` (the SDK's own retry loop
is switched off so there is one policy); a completion is billed and not idempotent, so it is never
resent once it may have reached the server (``paid_calls.py``). Token usage becomes the cost.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import openai
from pydantic import ValidationError

from reelforge.domain import Brief, Plan, ProviderCall
from reelforge.errors import InputError, ProviderError
from reelforge.providers import metrics
from reelforge.providers.base import ScriptResult
from reelforge.providers.http import (
    USER_AGENT,
    HttpPolicy,
    ProviderHttpError,
    Redactor,
    call_with_retries,
    run_sync,
)
from reelforge.providers.http_errors import error_from_response
from reelforge.providers.paid_calls import (
    may_have_been_processed,
    paid_call,
    status_may_have_been_processed,
    unconfirmed_error,
)
from reelforge.settings import Settings

PROVIDER = "openai"
SCHEMA_NAME = "reelforge_plan"
WORDS_PER_SECOND = 2.4
#: USD per million (input, output) tokens; unknown models (local servers) cost 0.
PRICES_PER_M_TOKENS = {
    "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60), "gpt-4.1": (2.00, 8.00), "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}
CHARS_PER_TOKEN, ESTIMATED_OUTPUT_TOKENS = 4, 1500  # the ledger's estimate before the reply
_UNSUPPORTED_IN_STRICT = ("default", "minLength", "maxLength", "title")

SYSTEM_PROMPT = (
    "You write scripts for short vertical videos. Reply only with JSON that matches the schema. "
    "Each scene has spoken narration (plain sentences, no stage directions, no emojis), a "
    "visual_prompt describing what is on screen (concrete, filmable, no text overlays), a "
    "negative_prompt, a mood (one of calm, energetic, happy, nostalgic, tender) and 2-5 "
    "keywords. Scene indexes count from 0. The music_brief describes the music in a few words."
)


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Make a pydantic JSON schema acceptable to OpenAI's strict mode.

    Strict mode wants every property required, ``additionalProperties: false`` everywhere, and
    no ``default``/``minLength``/``maxLength``; the reply is validated by pydantic afterwards.
    """
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in _UNSUPPORTED_IN_STRICT:
                if key in node and not isinstance(node[key], dict):
                    node.pop(key)
            if node.get("type") == "object" or "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def scene_count(duration_s: float) -> int:
    """How many scenes the OpenAI writer asks for (the estimate quotes the same number)."""
    return max(2, min(12, round(duration_s / 7.5)))


def plan_request(brief: Brief) -> tuple[int, int, str]:
    """(scene count, words per scene, the user message) sized to the brief's duration."""
    scenes = scene_count(brief.duration_s)
    words = max(8, round(brief.duration_s * WORDS_PER_SECOND / scenes))
    template = brief.template or "explainer"
    message = (
        f'Topic: "{brief.prompt}"\n'
        f"Format: a {template} video of about {brief.duration_s:.0f} seconds,"
        f" aspect {brief.aspect}.\n"
        f"Write exactly {scenes} scenes with about {words} words of narration each.\n"
        f"The narrator sounds {brief.emotion} (intensity {brief.intensity:.1f} of 1)."
        + (f"\nThe music should feel {brief.music_mood}." if brief.music_mood else "")
        + f'\nUse "{template}" as the template field.'
    )
    return scenes, words, message


class OpenAIScriptWriter:
    """Writes the Plan with the official ``openai`` SDK against ``base_url``."""

    name = "openai"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = "gpt-4o-mini",
        base_url: str = "https://api.openai.com/v1",
        policy: HttpPolicy | None = None,
    ) -> None:
        self._api_key = api_key
        self.model = model
        self.base_url = base_url
        self.policy = policy or HttpPolicy()
        self.version = f"1:{model}"
        self.redact = Redactor([api_key])

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIScriptWriter:
        if settings.openai_api_key is None:
            raise InputError(
                "the OpenAI script writer needs an API key",
                hint="set OPENAI_API_KEY (any value for a local server such as Ollama), or"
                " REELFORGE_SCRIPT_ENGINE=template",
            )
        return cls(
            settings.openai_api_key.get_secret_value(),
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            policy=HttpPolicy.from_settings(settings),
        )

    def write(self, brief: Brief) -> ScriptResult:
        return run_sync(self._write(brief))

    async def _write(self, brief: Brief) -> ScriptResult:
        _, _, user_message = plan_request(brief)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_message},
        ]
        calls: list[ProviderCall] = []
        client = openai.AsyncOpenAI(
            api_key=self._api_key, base_url=self.base_url, max_retries=0,
            timeout=openai.Timeout(**self.policy.generation_timeout.as_dict()),
            default_headers={"User-Agent": USER_AGENT},
        )
        try:
            problem = ""
            for turn in range(2):  # the first answer, then one repair turn
                content, refusal, call = await self._complete(client, messages)
                calls.append(call)
                plan, problem = self._parse(content, refusal, brief)
                if plan is not None:
                    return ScriptResult(plan=plan, calls=calls)
                if turn == 0:
                    if content:
                        messages.append({"role": "assistant", "content": content})
                    messages.append({"role": "user", "content": (
                        f"That reply cannot be used: {problem}. Reply again with only JSON that"
                        " matches the schema exactly.")})
        finally:
            await client.close()
        raise ProviderError(
            f"the model did not return a usable script after one repair attempt: {problem}",
            provider=PROVIDER, request_id=calls[-1].request_id,
            hint=f"try again, or another model than {self.model} (REELFORGE_OPENAI_MODEL), or"
            " REELFORGE_SCRIPT_ENGINE=template",
        )

    async def _complete(
        self, client: openai.AsyncOpenAI, messages: list[dict[str, Any]]
    ) -> tuple[str | None, str | None, ProviderCall]:
        response_format = {"type": "json_schema", "json_schema": {
            "name": SCHEMA_NAME, "strict": True,
            "description": "A short video's script: scenes with narration and visuals.",
            "schema": strict_schema(Plan.model_json_schema()),
        }}

        async def attempt() -> Any:
            try:
                raw = await client.chat.completions.with_raw_response.create(  # type: ignore[call-overload]
                    # no temperature: reasoning models (o-series, gpt-5) reject the parameter
                    model=self.model, messages=messages, response_format=response_format,
                )
            except openai.APIStatusError as exc:
                error = error_from_response(
                    PROVIDER, "write script", exc.status_code, dict(exc.response.headers),
                    exc.response.content, key_name="OPENAI_API_KEY",
                    request_id=exc.request_id, redact=self.redact,
                )
                if status_may_have_been_processed(exc.status_code):  # a gateway's 502/504
                    raise unconfirmed_error(PROVIDER, error.message, status=exc.status_code,
                                            request_id=exc.request_id) from None
                raise error from None
            except openai.APITimeoutError as exc:
                if may_have_been_processed(exc.__cause__):
                    raise unconfirmed_error(
                        PROVIDER, "write script got no reply within"
                        f" {self.policy.generation_timeout_s:g} s",
                        timeout_s=self.policy.generation_timeout_s) from None
                raise ProviderHttpError("write script timed out", provider=PROVIDER,
                                        kind="timeout", retryable=True,
                                        hint=f"check the network and {self.base_url}") from None
            except openai.APIConnectionError as exc:
                if may_have_been_processed(exc.__cause__):
                    raise unconfirmed_error(
                        PROVIDER, "write script lost the connection before the reply was complete"
                        f" ({self.redact(str(exc.__cause__ or exc))})") from None
                raise ProviderHttpError(
                    f"write script could not reach the server ({self.redact(str(exc))})",
                    provider=PROVIDER, kind="connection", retryable=True,
                    hint=f"check the network and OPENAI_BASE_URL ({self.base_url})") from None
            try:
                return raw, raw.parse()
            except Exception as exc:  # a broken reply to a completion that was done and billed
                raise unconfirmed_error(
                    PROVIDER,
                    f"write script returned a reply that cannot be read ({self.redact(str(exc))})",
                    status=raw.status_code, request_id=raw.headers.get("x-request-id"),
                ) from None

        asked = {"model": self.model, "messages": messages, "response_format": response_format}
        estimate = self._cost(len(json.dumps(asked)) // CHARS_PER_TOKEN, ESTIMATED_OUTPUT_TOKENS)
        with paid_call(PROVIDER, "chat.completions", self.model, request=asked,
                       estimated_cost_usd=estimate) as paid:
            outcome = await call_with_retries(attempt, provider=PROVIDER,
                                              operation="write script", policy=self.policy,
                                              redact=self.redact)
            raw, completion = outcome.value
            request_id = raw.headers.get("x-request-id")
            usage = completion.usage
            cost = self._cost(usage.prompt_tokens if usage else 0,
                              usage.completion_tokens if usage else 0)
            paid.confirm(request_id=request_id or completion.id, cost_usd=cost)
        metrics.record_cost(PROVIDER, "chat", cost)
        call = ProviderCall(
            provider=PROVIDER, operation="chat.completions", model=completion.model or self.model,
            duration_s=round(outcome.duration_s, 3), cost_usd=round(cost, 6),
            request_id=request_id or completion.id, attempts=outcome.attempts,
        )
        if not completion.choices:
            return None, None, call
        message = completion.choices[0].message
        return message.content, getattr(message, "refusal", None), call

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        price_in, price_out = PRICES_PER_M_TOKENS.get(self.model, (0.0, 0.0))
        return (prompt_tokens * price_in + completion_tokens * price_out) / 1e6

    @staticmethod
    def _parse(content: str | None, refusal: str | None, brief: Brief) -> tuple[Plan | None, str]:
        """The Plan in the reply, or (None, what is wrong with it)."""
        if refusal:
            return None, f"the model refused ({refusal[:200]})"
        if not content:
            return None, "the reply was empty"
        try:
            data = json.loads(content)
        except ValueError:
            return None, "the reply was not JSON"
        if isinstance(data, dict) and isinstance(data.get("scenes"), list):
            for index, scene in enumerate(data["scenes"]):
                if isinstance(scene, dict):
                    scene["index"] = index  # models miscount; the order is what matters
            data["template"] = brief.template or "explainer"  # asked for; never invented
        try:
            return Plan.model_validate(data), ""
        except ValidationError as exc:
            errors = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors(include_url=False)[:5]
            )
            return None, f"it does not match the schema ({errors})"
