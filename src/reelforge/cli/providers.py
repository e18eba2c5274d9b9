"""`reelforge providers`: which engine serves each capability, and whether it is reachable."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table

if TYPE_CHECKING:
    from reelforge.providers.http import HttpPolicy
    from reelforge.settings import Settings


@dataclass
class EngineStatus:
    capability: str
    engine: str
    kind: str  # offline | remote
    configured: bool
    selected: bool
    base_url: str = ""
    reachable: bool | None = None  # None: not checked
    detail: str = ""


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else ""  # type: ignore[attr-defined]


def engine_statuses(settings: Settings) -> list[EngineStatus]:
    """Every engine per capability; a remote one is selected when named, or on "auto" with a key."""
    openai_key, hume_key = bool(settings.openai_api_key), bool(settings.hume_api_key)
    runware_key = bool(settings.runware_api_key)
    spotify = bool(settings.spotify_client_id and settings.spotify_client_secret)
    script_openai = settings.script_engine == "openai" or (
        settings.script_engine == "auto" and openai_key)
    video_runware = settings.video_engine == "runware" or (
        settings.video_engine == "auto" and runware_key)
    voice = settings.voice_engine
    return [
        EngineStatus("script", "template", "offline", True, not script_openai),
        EngineStatus("script", "openai", "remote", openai_key, script_openai,
                     settings.openai_base_url),
        EngineStatus("voice", "piper", "offline", True, voice in ("auto", "piper")),
        EngineStatus("voice", "espeak", "offline", True, voice == "espeak"),
        EngineStatus("voice", "hume", "remote", hume_key, voice == "hume",
                     settings.hume_base_url, detail="or --voice hume:<name>"),
        EngineStatus("voice", "openai", "remote", openai_key, voice == "openai",
                     settings.openai_base_url, detail="or --voice openai:<voice>"),
        EngineStatus("video", "local", "offline", True, not video_runware),
        EngineStatus("video", "runware", "remote", runware_key, video_runware,
                     settings.runware_base_url),
        EngineStatus("music", "builtin", "offline", True, settings.music_engine != "library"),
        EngineStatus("music", "library", "offline", True, settings.music_engine == "library"),
        EngineStatus("music", "spotify", "remote", spotify, False, settings.spotify_api_url,
                     detail="metadata only"),
    ]


async def _probe(status: EngineStatus, settings: Settings, policy: HttpPolicy) -> None:
    """One cheap, unpaid request that proves the base URL answers and the key is accepted."""
    from reelforge.providers.http import ProviderHttp, ProviderHttpError

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


async def _probe_all(statuses: list[EngineStatus], settings: Settings, timeout_s: float) -> None:
    import asyncio

    from reelforge.providers.http import HttpPolicy

    policy = HttpPolicy(connect_timeout_s=timeout_s, read_timeout_s=timeout_s,
                        overall_timeout_s=timeout_s, max_retries=0)
    await asyncio.gather(*(_probe(s, settings, policy) for s in statuses
                           if s.kind == "remote" and s.configured))


def providers_command(
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Make one cheap, unpaid request to each configured service."),
    timeout: float = typer.Option(5.0, help="Seconds to wait for each service."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """Show, per capability, the configured engines and whether they are reachable.

    A remote engine is configured when its key is set (OPENAI_API_KEY, HUME_API_KEY,
    RUNWARE_API_KEY, SPOTIFY_CLIENT_ID + SPOTIFY_CLIENT_SECRET); the base URLs can point at
    OpenAI-compatible servers or at `reelforge fakes serve`.
    """
    from reelforge.settings import Settings

    settings = Settings()
    statuses = engine_statuses(settings)
    if check:
        import asyncio

        asyncio.run(_probe_all(statuses, settings, timeout))
    if json_out:
        print(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    table = compact_table("capability", "engine", "kind", "configured", "selected", "reachable",
                          "detail", title="reelforge engines", whole=("capability", "engine"),
                          folded=("detail",))
    for s in statuses:
        reachable = {None: "-", True: "[green]yes[/]", False: "[red]no[/]"}[s.reachable]
        if s.kind == "offline":
            reachable = "local"
        table.add_row(s.capability, s.engine, s.kind, "yes" if s.configured else "no",
                      "[bold]yes[/]" if s.selected else "", reachable,
                      s.detail or s.base_url)
    Console().print(table)
