"""/v1/voices, /v1/providers and /v1/songs/search: what this server can use."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import ProviderOut, SongHitOut, SongSearchIn, VoiceOut
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1", tags=["catalog"])
Reader = Annotated[Principal, Depends(allowed("catalog:read"))]


@router.get("/voices", response_model=list[VoiceOut], responses=error_responses(401, 403, 429))
async def voices(who: Reader, platform: PlatformDep) -> list[VoiceOut]:
    """Voices usable offline (Piper; espeak-ng when installed). Remote: hume:<name>, openai:<v>."""
    from reelforge.providers.registry import offline_voices

    found = await run_in_threadpool(offline_voices, platform.settings)
    fields = set(VoiceOut.model_fields)
    return [VoiceOut(**{k: v for k, v in dataclasses.asdict(voice).items() if k in fields})
            for voice in found]


@router.get("/providers", response_model=list[ProviderOut],
            responses=error_responses(401, 403, 429))
def providers(who: Reader, platform: PlatformDep) -> list[ProviderOut]:
    """Every engine per capability and which one this server selects (keys never shown)."""
    from reelforge.providers.registry import engine_statuses

    return [ProviderOut(capability=s.capability, engine=s.engine, kind=s.kind,
                        configured=s.configured, selected=s.selected, base_url=s.base_url)
            for s in engine_statuses(platform.settings)]


@router.post("/songs/search", response_model=list[SongHitOut],
             responses=error_responses(400, 401, 403, 422, 429))
def search_songs(body: SongSearchIn, who: Reader, platform: PlatformDep) -> list[SongHitOut]:
    """Songs of the catalog (built-in and indexed library) by meaning, best first."""
    from reelforge.providers.base import MusicRequest
    from reelforge.providers.music.semantic import SemanticMusicSource

    source = SemanticMusicSource.from_settings(  # the shared songs and the tenant's own
        platform.settings.model_copy(update={"songs_tenant_id": who.tenant_id}))
    hits = source.search(MusicRequest(query=body.query, moods=tuple(body.moods),
                                      limit=body.limit, min_duration_s=body.min_duration_s))
    return [SongHitOut(id=h.track.id, title=h.track.title, artist=h.track.artist,
                       score=round(h.score, 4), duration_s=h.track.duration_s,
                       tags=h.track.tags, licence=h.track.licence, reason=h.reason)
            for h in hits]
