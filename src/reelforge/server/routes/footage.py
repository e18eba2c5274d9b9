"""/v1/footage/search: the caller's tenant's own shots and pictures, found by meaning."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/footage", tags=["footage"])
Reader = Annotated[Principal, Depends(allowed("library:read"))]


class FootageHitOut(BaseModel):
    """One shot found: its source file, time range, score (cosine) and why it matched."""

    file: str = Field(description="the source file: an upload by its name (and item_id), a "
                                  "file added by `reelforge footage add` by its path")
    item_id: str | None = Field(default=None, description="the library item an uploaded file "
                                "is (GET /v1/library/items/{item_id}); null for a CLI file")
    shot_id: str
    kind: Literal["video", "picture"]
    start_s: float
    end_s: float
    width: int
    height: int
    score: float
    reason: str
    transcript: str
    colours: list[str]
    names: list[str]
    description: str


@router.get("/search", response_model=list[FootageHitOut],
            responses=error_responses(400, 401, 403, 422, 429))
def search_footage(
    who: Reader,
    platform: PlatformDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="What the shot shows.")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Literal["video", "picture"] | None = None,
    min_duration_s: Annotated[float, Query(ge=0, le=86_400)] = 0.0,
) -> list[FootageHitOut]:
    """Shots of this tenant's footage library most like ``q``, best first; filters apply
    before ranking. 400 when the library is empty (index footage first)."""
    from reelforge.services.footage import search_footage as search
    from reelforge.services.footage import shown_file

    matches = search(platform.settings, who.tenant_id, q, k=k, kind=kind,
                     min_duration_s=min_duration_s)
    hits = []
    for m in matches:
        shown = shown_file(platform.settings, who.tenant_id, m.shot.source)
        hits.append(FootageHitOut(
            file=shown.name, item_id=shown.item_id, shot_id=m.shot.shot_id, kind=m.shot.kind,
            start_s=m.shot.start_s, end_s=m.shot.end_s, width=m.shot.width,
            height=m.shot.height, score=m.score, reason=m.reason,
            transcript=m.shot.transcript, colours=list(m.shot.colours),
            names=list(m.shot.names), description=m.shot.description))
    return hits
