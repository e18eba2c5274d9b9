"""A job's footage in the studio: each shot's thumbnail, and swapping one scene's shot.

The swap calls the service the API's ``POST /v1/jobs/{id}/footage/{scene_index}`` calls
(``services.jobs.swap_footage``): a new job whose other scenes come from the step cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, Response

from reelforge.errors import NotFound
from reelforge.server.deps import PlatformDep
from reelforge.server.web.actions import check_origin, see
from reelforge.server.web.routing import StudioRoute
from reelforge.server.web.session import Who, require
from reelforge.services import footage as footage_service
from reelforge.services import jobs as job_service

router = APIRouter(route_class=StudioRoute, include_in_schema=False)


@router.get("/footage/thumbnail")
def shot_thumbnail(who: Who, platform: PlatformDep,
                   shot: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """The keyframe of one of the tenant's shots (another tenant's shot is not found)."""
    require(who, "library:read")
    path = footage_service.thumbnail_of(platform.settings, who.tenant_id, shot)
    if path is None:
        raise NotFound("this shot has no picture in your footage library")
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600"})


@router.post("/jobs/{job_id}/footage/{index}")
def swap_shot(request: Request, job_id: str, index: int, who: Who, platform: PlatformDep,
              shot_id: Annotated[str, Form(max_length=200)]) -> Response:
    """Show another shot in scene ``index`` (0-based): a new job renders that scene only."""
    check_origin(request)
    require(who, "jobs:write")
    job = job_service.swap_footage(platform, who.tenant_id, job_id, index, shot_id,
                                   created_by=who.key_prefix)
    return see(f"/jobs/{job.id}")
