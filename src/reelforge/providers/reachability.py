"""Is each configured remote engine reachable? One cheap, unpaid request per service.

``reelforge providers`` and the studio's engines page show the answer.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid

from reelforge.providers.http import HttpPolicy, ProviderHttp, ProviderHttpError
from reelforge.providers.registry import EngineStatus
from reelforge.settings import Settings


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else ""  # type: ignore[attr-defined]


async def _probe(status: EngineStatus, settings: Settings, policy: HttpPolicy) -> None:
    """One cheap, unpaid request that proves the base URL answers and the key is accepted."""
    key = {"openai": _secret(settings.openai_api_key), "hume": _secret(settings.hume_api_key),
           "runware": _secret(settings.runware_api_key)}.get(status.engine, "")
    started = time.monotonic()
    try:
        if status.engine == "openai":
            http = ProviderHttp("openai", status.base_url, policy=policy, key_name="OPENAI_API_KEY",
                                headers={"Authorization": f"Bearer {key}"}, secrets=[key])
            async with http:
                await http.request("list models", "GET", "/models")
        elif status.engine == "hume":
            http = ProviderHttp("hume", status.base_url, policy=policy, key_name="HUME_API_KEY",
                                headers={"X-Hume-Api-Key": key}, secrets=[key])
            async with http:
                await http.request("list voices", "GET", "/v0/tts/voices",
                                   params={"provider": "HUME_AI", "page_size": 1})
        elif status.engine == "runware":
            http = ProviderHttp("runware", status.base_url, policy=policy,
                                key_name="RUNWARE_API_KEY",
                                headers={"Authorization": f"Bearer {key}"}, secrets=[key])
            async with http:  # modelSearch is free; it also says whether the model exists
                reply = await http.request("model search", "POST", "", json_body=[
                    {"taskType": "modelSearch", "taskUUID": str(uuid.uuid4()),
                     "search": settings.runware_model, "limit": 1}])
            found = [r for item in reply.data.get("data", []) for r in item.get("results", [])]
            if not any(r.get("air") == settings.runware_model for r in found):
                status.detail = f"model {settings.runware_model} not found; "
        elif status.engine == "spotify":
            secret = _secret(settings.spotify_client_secret)
            basic = base64.b64encode(f"{settings.spotify_client_id}:{secret}".encode()).decode()
            http = ProviderHttp("spotify", settings.spotify_accounts_url, policy=policy,
                                key_name="SPOTIFY_CLIENT_SECRET",
                                headers={"Authorization": f"Basic {basic}"},
                                secrets=[secret, basic])
            async with http:
                await http.request("get access token", "POST", "/api/token",
                                   form={"grant_type": "client_credentials"})
        status.reachable = True
        status.detail += f"ok in {(time.monotonic() - started) * 1000:.0f} ms"
    except ProviderHttpError as exc:
        status.reachable = False
        status.detail = str(exc)


async def probe_engines(statuses: list[EngineStatus], settings: Settings, timeout_s: float) -> None:
    """Probe every configured remote engine at once; fills ``reachable`` and ``detail``."""
    policy = HttpPolicy(connect_timeout_s=timeout_s, read_timeout_s=timeout_s,
                        overall_timeout_s=timeout_s, max_retries=0)
    await asyncio.gather(*(_probe(s, settings, policy) for s in statuses
                           if s.kind == "remote" and s.configured))


