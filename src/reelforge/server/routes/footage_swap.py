"""/v1/jobs/{id}/footage/{scene_index}: show another shot of the footage library in one scene.

A new job is made from the finished one with that scene's shot swapped; its other scenes come
from the step cache (``services.jobs.swap_footage``). The candidates a scene offers are in the
finished job's manifest (``footage[i].candidates``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from reelforge.domain import MAX_FOOTAGE_SWAPS, SHOT_ID
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import JobId, JobOut
from reelforge.services import jobs as job_service
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
Writer = Annotated[Principal, Depends(allowed("jobs:write"))]


class SwapIn(BaseModel):
    """The shot to show: a candidate from the manifest, or any shot id of a footage search."""

    shot_id: str = Field(pattern=SHOT_ID.pattern, max_length=200,
                         examples=["3f1c0a9e5b7d2c41#0"])


@router.post("/{job_id}/footage/{scene_index}", status_code=202, response_model=JobOut,
             responses=error_responses(400, 401, 403, 404, 422, 429))
def swap_shot(job_id: JobId,
              scene_index: Annotated[int, Path(ge=0, lt=MAX_FOOTAGE_SWAPS,
                                               description="The scene (0-based, as in the "
                                                           "manifest's footage list)")],
              body: SwapIn, who: Writer, platform: PlatformDep) -> JobOut:
    """Re-make a finished video with one scene showing another shot of this tenant's footage
    library; only that scene is rendered again. 422 when the shot is not in the library."""
    job = job_service.swap_footage(platform, who.tenant_id, job_id, scene_index, body.shot_id,
                                   created_by=who.key_prefix)
    return JobOut.of(job)
