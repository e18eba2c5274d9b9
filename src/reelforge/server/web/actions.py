"""What the studio's forms do (POST only): sign in and out, estimate, create, cancel, re-run
(also from an edited scene, or with music composed instead), upload to the library, create and
revoke keys.

Forms post here and are redirected (303) to the page that shows the outcome, so a reload never
repeats an action; htmx requests get a fragment instead.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reelforge.domain import FOOTAGE_LIBRARY, MAX_DURATION_S, MIN_DURATION_S
from reelforge.errors import InputError, ReelforgeError
from reelforge.pipeline.steps.plan import draft_plan
from reelforge.providers.registry import ENGINE_CHOICES, settings_for
from reelforge.providers.script.user_script import render_script
from reelforge.server.deps import PlatformDep
from reelforge.server.errors import Forbidden
from reelforge.server.web.media import preview_music
from reelforge.server.web.pages import create_context
from reelforge.server.web.render import in_words, render
from reelforge.server.web.routing import StudioRoute
from reelforge.server.web.session import COOKIE, Who, require, same_origin
from reelforge.services import jobs as job_service
from reelforge.services import library as library_service
from reelforge.services.briefs import parse_brief
from reelforge.services.estimate import estimate_cost
from reelforge.store.tenants import authenticate

router = APIRouter(route_class=StudioRoute, include_in_schema=False)


def see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def check_origin(request: Request) -> None:
    if not same_origin(request):
        raise Forbidden("this form was sent from another site",
                        hint="open the studio's own page and send it again")


def brief_from(form: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """A validated Brief and the engines per step from the create form's fields."""
    data: dict[str, Any] = {"prompt": form.get("prompt", ""), "aspect": form.get("aspect", "9:16"),
                            "voice": form.get("voice", "joe"),
                            "emotion": form.get("emotion", "neutral")}
    for name in ("duration_s", "intensity"):
        text = form.get(name, "").strip()
        try:
            value = float(text)
        except ValueError:
            label = "length" if name == "duration_s" else "intensity"
            raise InputError(f"the {label} {text!r} is not a number",
                             hint="type a number, e.g. 30") from None
        if not math.isfinite(value):
            raise InputError(f"the {name} must be a finite number")
        if name == "duration_s" and not MIN_DURATION_S <= value <= MAX_DURATION_S:
            raise InputError(f"a video can be {MIN_DURATION_S:g} to {MAX_DURATION_S:g} seconds "
                             f"long, not {value:g}", hint="change the length")
        data[name] = value
    if form.get("template"):
        data["template"] = form["template"]
    if form.get("music_mood"):
        data["music_mood"] = form["music_mood"]
    if form.get("captions"):
        data["captions"] = form["captions"]
    if form.get("script", "").strip():
        data["script"] = form["script"]
    if form.get("montage"):  # a music-only montage of the footage library: the brief's check
        data["narration"] = False  # refuses it with a script, naming the field
        data["footage"] = FOOTAGE_LIBRARY
    if not data["prompt"].strip() and "script" in data:
        del data["prompt"]  # the script names the video
    elif not data["prompt"].strip():
        raise InputError("tell reelforge what the video is about",
                         hint="write one sentence in the prompt box, e.g. "
                              "“Why octopuses are smarter than you think”")
    brief = parse_brief(data, where="form")
    engines = {step: form.get(f"engine_{step}", "") for step in ENGINE_CHOICES}
    return brief, {k: v for k, v in engines.items() if v}


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/signin")
async def signin(request: Request, platform: PlatformDep) -> Response:
    fields = await form_fields(request)
    key, target = fields.get("key", "").strip(), fields.get("next", "/") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    who = None
    if key:
        def lookup() -> Any:
            with platform.db.session() as session:
                return authenticate(session, key)

        who = await run_in_threadpool(lookup)
    if who is None:
        message = ("Paste your API key to sign in." if not key else
                   "That key was not accepted: it is unknown or was revoked. Check it, or ask "
                   "an admin for a new one (reelforge keys create --tenant NAME).")
        return render(request, "signin.html", None, status=401, next=target, message=message)
    answer = see(target)
    hours = platform.settings.studio_session_hours
    answer.set_cookie(COOKIE, key, max_age=int(hours * 3600), httponly=True, samesite="strict",
                      secure=platform.settings.studio_cookie_secure, path="/")
    return answer


@router.post("/signout")
def signout(request: Request) -> Response:
    check_origin(request)
    answer = see("/signin")
    answer.delete_cookie(COOKIE, path="/")
    return answer


@router.post("/estimate", response_class=HTMLResponse)
async def estimate(request: Request, who: Who, platform: PlatformDep) -> Response:
    """The create form's live cost line (the same estimate as POST /v1/jobs/estimate)."""
    require(who, "catalog:read")
    try:
        brief, engines = brief_from(await form_fields(request))
        settings = settings_for(platform.settings, engines)
        found = await run_in_threadpool(estimate_cost, brief, settings)
    except ReelforgeError as exc:
        what, todo = in_words(exc)
        return render(request, "_estimate.html", who, estimate=None, what=what, todo=todo)
    return render(request, "_estimate.html", who, estimate=found)


@router.post("/jobs")
async def create_job(request: Request, who: Who, platform: PlatformDep) -> Response:
    check_origin(request)
    fields = await form_fields(request)
    try:
        require(who, "jobs:write")
        brief, engines = brief_from(fields)
        if fields.get("review"):  # the approval step: the script to read and edit, nothing made
            settings = settings_for(platform.settings, engines)
            plan = await run_in_threadpool(draft_plan, brief, settings)
            music = await run_in_threadpool(preview_music, platform, who.tenant_id, brief, plan,
                                            settings)
            context = create_context(platform, {**fields, "script": render_script(plan)})
            return render(request, "create.html", who, what="Review the script. ",
                          todo="edit anything below, then make the video: nothing has been "
                               "rendered yet, and unchanged scenes are reused",
                          music=music, **context)
        job = await run_in_threadpool(job_service.submit, platform, who.tenant_id, brief,
                                      created_by=who.key_prefix, engines=engines)
    except ReelforgeError as exc:
        what, todo = in_words(exc)
        context = create_context(platform, fields)
        return render(request, "create.html", who, status=exc.http_status, what=what, todo=todo,
                      **context)
    return see(f"/jobs/{job.id}")


@router.post("/jobs/{job_id}/cancel")
def cancel_job(request: Request, job_id: str, who: Who, platform: PlatformDep) -> Response:
    check_origin(request)
    require(who, "jobs:write")
    job_service.cancel(platform, who.tenant_id, job_id)
    back = request.headers.get("referer", "")
    return see("/jobs" if back.endswith("/jobs") or "/jobs?" in back else f"/jobs/{job_id}")


@router.post("/jobs/{job_id}/rerun")
def rerun_job(request: Request, job_id: str, who: Who, platform: PlatformDep) -> Response:
    check_origin(request)
    require(who, "jobs:write")
    job = job_service.rerun(platform, who.tenant_id, job_id, created_by=who.key_prefix)
    return see(f"/jobs/{job.id}")


@router.post("/jobs/{job_id}/compose-music")
def compose_music_instead(request: Request, job_id: str, who: Who,
                          platform: PlatformDep) -> Response:
    """Re-run with music written for the video: only the score and what follows it are made
    again, every other step comes from the step cache."""
    check_origin(request)
    require(who, "jobs:write")
    job = job_service.rerun(platform, who.tenant_id, job_id, created_by=who.key_prefix,
                            engines={"music": "composed"})
    return see(f"/jobs/{job.id}")


@router.post("/jobs/{job_id}/scenes/{index}")
def rerun_from_scene(request: Request, job_id: str, index: int, who: Who, platform: PlatformDep,
                     narration: Annotated[str, Form(max_length=4000)]) -> Response:
    """Change one scene's narration and re-run: the other scenes come from the step cache."""
    check_origin(request)
    require(who, "jobs:write")
    plan = job_service.plan_of(platform, who.tenant_id, job_id)
    if plan is None:
        raise InputError("this job has no plan to edit yet", hint="wait until it has finished")
    if not 0 <= index < len(plan.scenes):
        raise InputError(f"there is no scene {index + 1} in this plan")
    text = " ".join(narration.split())
    if not text:
        raise InputError(f"scene {index + 1} needs some narration",
                         hint="write at least one sentence")
    scenes = [s.model_copy(update={"narration": text}) if s.index == plan.scenes[index].index
              else s for s in plan.scenes]
    edited = plan.model_copy(update={"scenes": scenes})
    job = job_service.rerun(platform, who.tenant_id, job_id, created_by=who.key_prefix,
                            plan=edited)
    return see(f"/jobs/{job.id}")


@router.post("/library/upload")
def upload(request: Request, who: Who, platform: PlatformDep, file: list[UploadFile],
           back: Annotated[str, Form(max_length=16)] = "") -> Response:
    """One file: to its library tab, or back to the clips form with a video selected (refused:
    the error page). Several: each file's outcome (added, duplicate, or refused with its
    reason), from the service the API's upload calls."""
    check_origin(request)
    require(who, "library:write")
    if len(file) == 1:
        declared = request.headers.get("content-length")
        added = library_service.upload(platform, who, file[0].filename or "", file[0].file,
                                       declared_size=int(declared) if declared and
                                       declared.isdigit() else None)
        said = "duplicate" if added.duplicate else "added"
        tab = LIBRARY_TAB.get(added.item.kind, "/library")
        if back == "/clips" and added.item.kind == "video":  # issue 18: back to the clips form
            tab = "/clips"
        return see(f"{tab}?{said}={added.item.id}")
    outcomes = library_service.upload_each(platform, who,
                                           [(f.filename or "", f.file) for f in file])
    status = 400 if all(o.item is None for o in outcomes) else 200
    return render(request, "upload_report.html", who, status=status, uploads=outcomes,
                  tabs=LIBRARY_TAB)


@router.post("/library/items/{item_id}/delete")
def delete_item(request: Request, item_id: str, who: Who, platform: PlatformDep) -> Response:
    """Delete a library item (and its footage shots), through the service the API's
    ``DELETE /v1/library/items/{id}`` calls; back to its tab."""
    check_origin(request)
    require(who, "library:write")
    gone = library_service.delete(platform, who.tenant_id, item_id[:64])
    return see(f"{LIBRARY_TAB.get(gone.kind, '/library')}?deleted={quote(gone.name)}")


LIBRARY_TAB = {"video": "/library/videos", "image": "/library/images", "audio": "/library"}


@router.post("/settings/keys", response_class=HTMLResponse)
async def create_key(request: Request, who: Who, platform: PlatformDep) -> Response:
    from reelforge.server.web.pages import settings_response
    from reelforge.store.tenants import create_key as make_key
    from reelforge.store.tenants import rate_for_new_key

    check_origin(request)
    require(who, "keys:manage")
    fields = await form_fields(request)
    role, name = fields.get("role", "viewer"), fields.get("name", "").strip()[:128]
    # as over the API: a key made by a key is never faster than its maker
    rate = rate_for_new_key(None, who.rate_per_minute, platform.settings.rate_per_minute)

    def make() -> Any:
        with platform.db.session() as session:
            return make_key(session, who.tenant, role, name=name, rate_per_minute=rate)

    made = await run_in_threadpool(make)
    return await settings_response(request, who, platform, new_key=made, status=201)


@router.post("/settings/keys/{prefix}/revoke")
def revoke_key(request: Request, prefix: str, who: Who, platform: PlatformDep) -> Response:
    from reelforge.store.tenants import revoke_key as revoke

    check_origin(request)
    require(who, "keys:manage")
    if prefix == who.key_prefix:
        raise InputError("you cannot revoke the key you are signed in with",
                         hint="sign in with another admin key first")
    with platform.db.session() as session:
        revoke(session, who.tenant_id, prefix)
    return see("/settings#keys")
