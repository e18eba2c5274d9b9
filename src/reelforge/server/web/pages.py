"""The studio's pages: create, a job, the jobs list, the library and settings (GET only).

Each page reads through the service and store functions the API uses and renders a template;
what a page may show depends on the signed-in key's role, exactly as in the API.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reelforge.domain import CAPTION_STYLES, EMOTIONS, MAX_DURATION_S, MIN_DURATION_S, MOODS
from reelforge.jobs.platform import Platform
from reelforge.server.deps import PlatformDep
from reelforge.server.web.render import job_error_words, render
from reelforge.server.web.routing import StudioRoute
from reelforge.server.web.session import Who, require
from reelforge.services import jobs as job_service
from reelforge.services import library as library_service
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import job_artifacts
from reelforge.store.library import list_items
from reelforge.store.tenants import Principal

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
TEMPLATES = {"": "Let reelforge choose", "explainer": "Explainer — clear and factual",
             "story": "Story — a small narrative", "listicle": "List — numbered points",
             "promo": "Promo — short and punchy"}
ASPECTS = {"9:16": "Vertical — Shorts, Reels, TikTok", "1:1": "Square — feeds",
           "16:9": "Wide — YouTube, slides"}
DEFAULT_FORM = {"prompt": "", "duration_s": "30", "aspect": "9:16", "voice": "joe",
                "emotion": "curious", "intensity": "0.6", "template": "", "music_mood": "",
                "captions": "karaoke",
                "engine_script": "", "engine_voice": "", "engine_video": "", "engine_music": ""}
SINCE = {"": "Any time", "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days"}
SONG_IDEAS = ("calm piano, hopeful", "upbeat summer road trip", "tender and nostalgic",
              "energetic workout")


def engine_options(platform: Platform) -> dict[str, list[dict[str, Any]]]:
    """Per step: each engine, whether the server has it configured, and the default."""
    from reelforge.providers.registry import ENGINE_CHOICES, engine_statuses

    options: dict[str, list[dict[str, Any]]] = {step: [] for step in ENGINE_CHOICES}
    for status in engine_statuses(platform.settings):
        if status.engine in ENGINE_CHOICES.get(status.capability, ()):
            options[status.capability].append({
                "engine": status.engine, "kind": status.kind, "configured": status.configured,
                "selected": status.selected})
    return options


def create_context(platform: Platform, form: dict[str, str] | None = None) -> dict[str, Any]:
    from reelforge.providers.registry import offline_voices, script_choice

    return {"form": {**DEFAULT_FORM, **(form or {})}, "voices": offline_voices(platform.settings),
            "emotions": EMOTIONS, "moods": MOODS, "templates": TEMPLATES, "aspects": ASPECTS,
            "caption_styles": CAPTION_STYLES,
            "engines": engine_options(platform), "min_s": int(MIN_DURATION_S),
            "max_s": int(MAX_DURATION_S), "samples": platform.settings.studio_samples,
            "offline_writer": script_choice(platform.settings) == "template"}


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, reason: str = "", next: str = "/") -> Response:
    message = "Your sign-in ended (the key was revoked or the session expired)." \
        if reason == "expired" else ""
    return render(request, "signin.html", None, next=next, message=message)


@router.get("/", response_class=HTMLResponse)
def create_page(request: Request, who: Who, platform: PlatformDep) -> Response:
    return render(request, "create.html", who, **create_context(platform))


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, who: Who, platform: PlatformDep,
              state: Annotated[str, Query(max_length=16)] = "",
              since: Annotated[str, Query(max_length=8)] = "") -> Response:
    from reelforge.services.usage import parse_since

    require(who, "jobs:read")
    state = state if state in job_rows.JOB_STATES else ""
    since = since if since in SINCE else ""
    with platform.db.session() as session:
        rows = job_rows.list_jobs(session, who.tenant_id, state=state or None, limit=200)
    if since:
        moment = parse_since(since)
        rows = [j for j in rows if (j.created_at if j.created_at.tzinfo else
                                    j.created_at.replace(tzinfo=UTC)) >= moment]
    return render(request, "jobs.html", who, jobs=rows, state=state, since=since, SINCE=SINCE,
                  states=job_rows.JOB_STATES)


def _artifact_json(platform: Platform, tenant_id: int, job_id: str, name: str) -> Any:
    with platform.db.session() as session:
        found = [a.path for a in job_artifacts(session, tenant_id, job_id) if a.name == name]
    return json.loads(platform.artifacts.read_bytes(found[0])) if found else None


def result_context(platform: Platform, who: Principal, job_id: str) -> dict[str, Any]:
    """What the job page shows once the job ended: player, files, music, plan, cost, error."""
    job = job_service.get(platform, who.tenant_id, job_id)
    context: dict[str, Any] = {"job": job, "files": [], "manifest": None, "plan": None}
    if job.state == "succeeded" and job.kind == "make":
        with platform.db.session() as session:
            context["files"] = [(a.name, a.size) for a in job_artifacts(session, who.tenant_id,
                                                                         job_id)]
        context["manifest"] = _artifact_json(platform, who.tenant_id, job_id, "manifest.json")
        context["plan"] = job_service.plan_of(platform, who.tenant_id, job_id)
        context["thumbs"] = footage_thumbnails(platform, who, context["manifest"])
    if job.state == "succeeded" and job.kind == "clips":  # issue 18: the ranked moments
        with platform.db.session() as session:
            context["files"] = [(a.name, a.size) for a in job_artifacts(session, who.tenant_id,
                                                                         job_id)]
        context["clips"] = _artifact_json(platform, who.tenant_id, job_id, "clips.json")
    if job.state == "canceled":
        context["error_words"] = job_error_words({"code": "canceled"})
    elif job.state == "failed":
        context["error_words"] = job_error_words(job.error)
    return context


def footage_thumbnails(platform: Platform, who: Principal, manifest: Any) -> set[str]:
    """The shots on the job page (each scene's and its candidates) that have a thumbnail."""
    from reelforge.services.footage import thumbnail_of

    if not manifest or not manifest.get("footage"):
        return set()
    shown = {p["shot_id"] for f in manifest["footage"]
             for p in [f.get("shot"), *f.get("candidates", [])] if p}
    return {s for s in shown if thumbnail_of(platform.settings, who.tenant_id, s) is not None}


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, who: Who, platform: PlatformDep) -> Response:
    require(who, "jobs:read")
    context = result_context(platform, who, job_id)
    return render(request, "job.html", who, **context)


@router.get("/jobs/{job_id}/result", response_class=HTMLResponse)
def job_result(request: Request, job_id: str, who: Who, platform: PlatformDep) -> Response:
    """The finished job's panel, swapped in by the page when the event stream ends."""
    require(who, "jobs:read")
    return render(request, "_result.html", who, **result_context(platform, who, job_id))


def song_hits(platform: Platform, tenant_id: int, query: str) -> list[Any]:
    """The song search of ``POST /v1/songs/search``: the shared songs and the tenant's own."""
    from reelforge.providers.base import MusicRequest
    from reelforge.providers.music.semantic import SemanticMusicSource

    source = SemanticMusicSource.from_settings(
        platform.settings.model_copy(update={"songs_tenant_id": tenant_id}))
    return source.search(MusicRequest(query=query, limit=8))


@router.get("/library", response_class=HTMLResponse)
def library_songs(request: Request, who: Who, platform: PlatformDep,
                  q: Annotated[str, Query(max_length=500)] = "") -> Response:
    require(who, "library:read")
    with platform.db.session() as session:
        songs = list_items(session, who.tenant_id, kind="audio", limit=200)
    hits = song_hits(platform, who.tenant_id, q.strip()) if q.strip() else []
    return render(request, "library_songs.html", who, tab="songs", q=q, hits=hits, items=songs,
                  ideas=SONG_IDEAS)


@router.get("/library/songs", response_class=HTMLResponse)
def song_results(request: Request, who: Who, platform: PlatformDep,
                 q: Annotated[str, Query(max_length=500)] = "") -> Response:
    """The search results fragment (htmx swaps it in as you search)."""
    require(who, "catalog:read")
    hits = song_hits(platform, who.tenant_id, q.strip()) if q.strip() else []
    return render(request, "_songs.html", who, q=q, hits=hits)


@router.get("/library/videos", response_class=HTMLResponse)
def library_videos(request: Request, who: Who, platform: PlatformDep,
                   q: Annotated[str, Query(max_length=500)] = "") -> Response:
    require(who, "library:read")
    with platform.db.session() as session:
        videos = list_items(session, who.tenant_id, kind="video", limit=200)
    hits, problem = footage_hits(platform, who.tenant_id, q.strip())
    return render(request, "library_videos.html", who, tab="videos", items=videos, q=q,
                  hits=hits, problem=problem)


def footage_hits(platform: Platform, tenant_id: int, query: str) -> tuple[list[Any], Any]:
    """The footage search of ``GET /v1/footage/search`` (same service), as rows for the page;
    an empty library is a message on the page, not an error page."""
    from reelforge.errors import InputError
    from reelforge.services.footage import search_footage, shown_file

    if not query:
        return [], None
    try:
        matches = search_footage(platform.settings, tenant_id, query, k=12)
    except InputError as exc:
        return [], exc
    shown = [shown_file(platform.settings, tenant_id, m.shot.source) for m in matches]
    return [{"match": m, "file": f.name, "item_id": f.item_id}
            for m, f in zip(matches, shown, strict=True)], None


@router.get("/library/images", response_class=HTMLResponse)
def library_images(request: Request, who: Who, platform: PlatformDep) -> Response:
    require(who, "library:read")
    with platform.db.session() as session:
        images = list_items(session, who.tenant_id, kind="image", limit=500)
    by_id = {i.id: i for i in images}
    clusters = library_service.clusters(platform, who.tenant_id)
    groups = [[by_id[m] for m in members if m in by_id] for members in clusters.groups.values()]
    duplicates = [[by_id[m] for m in group if m in by_id]
                  for group in library_service.duplicate_groups(platform, who.tenant_id)]
    return render(request, "library_images.html", who, tab="images", items=images,
                  clusters=[g for g in groups if g], duplicates=duplicates,
                  method=clusters.method)


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request, who: Who, platform: PlatformDep) -> Response:
    return await settings_response(request, who, platform)


async def settings_response(request: Request, who: Principal, platform: Platform, *,
                            new_key: Any = None, status: int = 200) -> Response:
    """Providers (configured, reachable: one cheap unpaid request each) and the tenant's keys."""
    from starlette.concurrency import run_in_threadpool

    from reelforge.providers.reachability import probe_engines
    from reelforge.providers.registry import engine_statuses

    statuses = engine_statuses(platform.settings)
    await probe_engines(statuses, platform.settings, 3.0)
    keys = await run_in_threadpool(_keys, platform, who)
    return render(request, "settings.html", who, statuses=statuses, keys=keys,
                  new_key=new_key, status=status)


def _keys(platform: Platform, who: Principal) -> list[Any]:
    from reelforge.server.web.session import may
    from reelforge.store.tenants import list_keys

    if not may(who, "keys:manage"):
        return []
    with platform.db.session() as session:
        return list_keys(session, who.tenant_id)


@router.get("/signout")
def signout_get() -> Response:
    """Sign-out is a POST (a link cannot sign anyone out); a GET lands on the sign-in page."""
    return RedirectResponse("/signin", status_code=303)


