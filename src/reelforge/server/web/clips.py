"""The studio's "Clips from a video" page: pick a library video (or upload one), say how many
clips, how long, what shape and about what, and start a ``clips`` job (issue 18).

The form calls the service ``POST /v1/clips`` calls (``services.clips_jobs``); the job page
shows the finished job's ``clips.json`` (``pages.result_context``, ``_clips_result.html``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from reelforge.domain import CAPTION_STYLES
from reelforge.errors import InputError, ReelforgeError
from reelforge.jobs.platform import Platform
from reelforge.server.deps import PlatformDep
from reelforge.server.web.actions import check_origin, form_fields, see
from reelforge.server.web.pages import ASPECTS
from reelforge.server.web.render import in_words, render
from reelforge.server.web.routing import StudioRoute
from reelforge.server.web.session import Who, require
from reelforge.services.clips_jobs import clips_order, submit_clips
from reelforge.store.library import list_items
from reelforge.store.tenants import Principal

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
CLIPS_FORM = {"item_id": "", "count": "3", "min_s": "20", "max_s": "60", "aspect": "9:16",
              "about": "", "captions": "karaoke", "music_item_id": ""}


def clips_context(platform: Platform, who: Principal,
                  form: dict[str, str] | None = None) -> dict[str, Any]:
    with platform.db.session() as session:
        videos = [(v.id, v.name, v.state) for v in list_items(session, who.tenant_id,
                                                               kind="video", limit=500)]
        songs = [(a.id, a.name) for a in list_items(session, who.tenant_id, kind="audio",
                                                      limit=500)]
    return {"form": {**CLIPS_FORM, **(form or {})}, "videos": videos, "songs": songs,
            "aspects": ASPECTS,
            "caption_styles": CAPTION_STYLES, "upload_back": "/clips"}


@router.get("/clips", response_class=HTMLResponse)
def clips_page(request: Request, who: Who, platform: PlatformDep) -> Response:
    require(who, "library:read")
    added = request.query_params.get("added", "")
    return render(request, "clips.html", who,
                  **clips_context(platform, who, {"item_id": added} if added else None))


def _whole(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InputError(f"the {name} {text.strip()[:20]!r} is not a whole number",
                         hint="type a number, e.g. 3") from None


@router.post("/clips")
async def start_clips(request: Request, who: Who, platform: PlatformDep) -> Response:
    check_origin(request)
    fields = await form_fields(request)
    try:
        require(who, "jobs:write")
        if not fields.get("item_id"):
            raise InputError("pick a video of your library first",
                             hint="or upload one below: it shows up in the list")
        order = clips_order(count=_whole(fields.get("count", "3"), "number of clips"),
                            length=f"{fields.get('min_s', '').strip()}-"
                                   f"{fields.get('max_s', '').strip()}",
                            aspect=fields.get("aspect", "9:16"), about=fields.get("about", ""),
                            captions=fields.get("captions", "karaoke"),
                            hook_title=fields.get("hook_title") == "on",
                            music_item_id=fields.get("music_item_id", ""))
        job = await run_in_threadpool(submit_clips, platform, who.tenant_id, fields["item_id"],
                                      order, created_by=who.key_prefix)
    except ReelforgeError as exc:
        what, todo = in_words(exc)
        return render(request, "clips.html", who, status=exc.http_status, what=what, todo=todo,
                      **clips_context(platform, who, fields))
    return see(f"/jobs/{job.id}")
