"""/v1/clips: cut the best moments of one of the tenant's library videos into shorts.

A ``clips`` job like any other: poll ``GET /v1/jobs/{id}``, follow its events, then fetch
``clip-NN.mp4``, ``clip-NN.srt``, ``clips.json`` and ``contact-sheet.jpg`` from its
artifacts. The video is named by its library item id, never by a path on the server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from reelforge.domain import CaptionStyle
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import UUID_PATTERN, JobOut
from reelforge.services.clips_jobs import clips_order, submit_clips
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/clips", tags=["jobs"])
Writer = Annotated[Principal, Depends(allowed("jobs:write"))]


class ClipsIn(BaseModel):
    """Which library video, and what clips to cut from it."""

    item_id: str = Field(pattern=UUID_PATTERN, description="A video of this tenant's library "
                         "(uploaded or registered): GET /v1/library/items?kind=video",
                         examples=["0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"])
    count: int = Field(default=5, ge=1, le=20, description="How many clips at most.")
    length: str = Field(default="20-60", max_length=20, examples=["20-60"],
                        description="Each clip's length range in seconds, MIN-MAX.")
    aspect: str = Field(default="9:16", max_length=12, examples=["9:16"],
                        description="The clips' aspect, W:H; reframed following the face.")
    about: str = Field(default="", max_length=300, examples=["sleep"],
                       description="Prefer moments about this topic.")
    captions: CaptionStyle = Field(default="karaoke", description="Burned-in caption style.")
    visual_only: bool = Field(default=False, description="When the video has no speech, pick "
                              "moments by visual activity instead of failing.")
    hook_title: bool = Field(default=False, description="Show each clip's first sentence as a "
                             "title over its first 3 seconds.")
    music_item_id: str | None = Field(default=None, pattern=UUID_PATTERN, description="A song of "
                                      "this tenant's library (GET /v1/library/items?kind=audio) "
                                      "looped under every clip, ducked while someone speaks.")


@router.post("", status_code=202, response_model=JobOut,
             responses=error_responses(400, 401, 403, 404, 413, 422, 429))
def create_clips(body: ClipsIn, who: Writer, platform: PlatformDep) -> JobOut:
    """Queue a clips job on a library video: transcribed locally, moments cut on sentence
    boundaries, reframed to the aspect around the speaker, captioned. 404 when the tenant has
    no such item; 422 when it is not a video, or a field cannot be used."""
    order = clips_order(count=body.count, length=body.length, aspect=body.aspect,
                        about=body.about, captions=body.captions, visual_only=body.visual_only,
                        hook_title=body.hook_title, music_item_id=body.music_item_id or "")
    job = submit_clips(platform, who.tenant_id, body.item_id, order, created_by=who.key_prefix)
    return JobOut.of(job)
