"""The script writer on OpenAI chat completions (or any OpenAI-compatible server: Ollama, vLLM).

It asks for the Plan through a strict JSON-schema structured output, validates the reply with
the same pydantic model the pipeline uses, and gives an invalid or refused reply one repair turn
before failing with a clear error. The call itself — retries, errors, the spend ledger, the cost
from token usage — is ``providers/openai_chat.py``'s, shared with the footage captioner.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import openai
from pydantic import ValidationError

from reelforge.domain import Brief, Plan, ProviderCall
from reelforge.errors import InputError, ProviderError
from reelforge.providers import openai_chat
from reelforge.providers.base import ScriptResult
from reelforge.providers.http import (
    HttpPolicy,
    Redactor,
    run_sync,
)
from reelforge.providers.pacing import speech_budget
from reelforge.settings import Settings

PROVIDER = openai_chat.PROVIDER
SCHEMA_NAME = "reelforge_plan"
#: Piper's measured pace is ~3.15 words/s (``providers/pacing.py``); an LLM's words run longer.
WORDS_PER_SECOND = 2.9
ESTIMATED_OUTPUT_TOKENS = 1500  # the ledger's estimate before the reply
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
    words = max(8, round(speech_budget(brief.duration_s, scenes) * WORDS_PER_SECOND / scenes))
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
    return scenes, words, message + source_instructions(brief)


#: How much of a brief's source text is sent (about 6k tokens; the rest is cut, and said so).
MAX_SOURCE_CHARS_SENT = 24_000


def source_instructions(brief: Brief) -> str:
    """The part of the request for a brief that brings a text (``--from``): write from it only,
    keeping its facts, names, numbers and order."""
    if brief.source_text is None:
        return ""
    text = brief.source_text.strip()
    cut = len(text) > MAX_SOURCE_CHARS_SENT
    return (
        "\nWrite the narration from the source text below only: keep its facts, names and"
        " numbers and its order, and add nothing it does not say."
        + (" (The source is cut short here.)" if cut else "")
        + '\nSource text:\n"""\n' + text[:MAX_SOURCE_CHARS_SENT] + '\n"""'
    )


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
        client = openai_chat.open_client(self._api_key, self.base_url, self.policy)
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
        reply = await openai_chat.complete(
            client, model=self.model, messages=messages, operation="write script",
            policy=self.policy, redact=self.redact, base_url=self.base_url,
            response_format=response_format, estimated_output_tokens=ESTIMATED_OUTPUT_TOKENS)
        return reply.content, reply.refusal, reply.call

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
