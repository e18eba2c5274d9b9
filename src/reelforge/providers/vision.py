"""Footage keyframes captioned in one sentence by a vision-capable chat model — only when one is
configured (``REELFORGE_VISION_MODEL``; OpenAI or any OpenAI-compatible server, with
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``).

Each keyframe is one paid chat completion with the picture as a low-detail data URL (85 image
tokens on OpenAI's 4o family), sent and recorded like every paid call
(``providers/openai_chat.py``). The caption joins the shot's description, so a search for "a man
fixing a bicycle" can find a clip whose name, sound and colours never say so.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence

from reelforge.domain import ProviderCall
from reelforge.errors import InputError
from reelforge.providers import openai_chat
from reelforge.providers.http import HttpPolicy, Redactor, run_sync
from reelforge.settings import Settings

PROMPT = ("Describe this picture in one plain sentence of at most 25 words: who or what is in it, "
          "where it is, and what is happening. No preamble, no guessing at names.")
MAX_CAPTION_CHARS = 300
#: Keyframes captioned at once (one client; a real API's rate limits answer 429 beyond this).
CONCURRENCY = 4


class VisionCaptioner:
    """Captions JPEG keyframes with ``model`` at ``base_url``."""

    name = "openai-vision"

    def __init__(self, api_key: str, *, model: str, base_url: str,
                 policy: HttpPolicy | None = None) -> None:
        self._api_key = api_key
        self.model = model
        self.base_url = base_url
        self.policy = policy or HttpPolicy()
        self.redact = Redactor([api_key])
        self.calls: list[ProviderCall] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> VisionCaptioner | None:
        """The configured captioner, or None when no vision model is set."""
        if not settings.vision_model:
            return None
        if settings.openai_api_key is None:
            raise InputError(
                f"REELFORGE_VISION_MODEL={settings.vision_model} needs an API key",
                hint="set OPENAI_API_KEY (any value for a local server such as Ollama), or "
                "unset REELFORGE_VISION_MODEL to index footage without captions")
        return cls(settings.openai_api_key.get_secret_value(), model=settings.vision_model,
                   base_url=settings.openai_base_url, policy=HttpPolicy.from_settings(settings))

    def caption(self, pictures: Sequence[bytes]) -> list[str]:
        """One sentence per JPEG picture, in order ("" where the model refused or said
        nothing); a provider error ends the batch (the caller keeps what it has)."""
        return run_sync(self._caption_all(list(pictures)))

    async def _caption_all(self, pictures: list[bytes]) -> list[str]:
        client = openai_chat.open_client(self._api_key, self.base_url, self.policy)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(jpeg: bytes) -> str:
            async with gate:
                url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
                reply = await openai_chat.complete(
                    client, model=self.model, operation="caption footage",
                    policy=self.policy, redact=self.redact, base_url=self.base_url,
                    estimated_output_tokens=60,
                    messages=[{"role": "user", "content": [
                        {"type": "text", "text": PROMPT},
                        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                    ]}])
                self.calls.append(reply.call)
                if reply.refusal or not reply.content:
                    return ""
                return one_sentence(reply.content)

        try:
            return list(await asyncio.gather(*(one(p) for p in pictures)))
        finally:
            await client.close()


def one_sentence(text: str) -> str:
    """The model's reply as one tidy sentence (models add quotes, line breaks, a second one)."""
    text = " ".join(text.replace("\u201c", "").replace("\u201d", "").strip().strip('"').split())
    for end in (". ", "! ", "? "):
        if end in text:
            text = text[: text.index(end) + 1]
    return text[:MAX_CAPTION_CHARS]
