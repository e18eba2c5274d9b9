"""What the browser streams: job events (SSE), job files and library files (with byte ranges,
so the player scrubs), a job's music, the music a reviewed script would get, built-in songs,
and short voice samples.

Job events and files call the API's own route functions with the cookie's principal, so the
studio and the API answer the same bytes under the same rules.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from reelforge.domain import Brief, MusicChoice, Plan, Track
from reelforge.errors import InputError, NotFound, ReelforgeError
from reelforge.jobs.platform import Platform
from reelforge.server.deps import PlatformDep
from reelforge.server.routes import artifacts, events
from reelforge.server.routes.artifacts import parse_range
from reelforge.server.web.routing import StudioRoute
from reelforge.server.web.session import Who, require
from reelforge.settings import Settings
from reelforge.store.artifacts import job_artifact
from reelforge.store.library import get_item

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
SAMPLE_TEXT = "Hello! This is how the narration of your video will sound."


@router.get("/jobs/{job_id}/events")
async def job_events(job_id: str, who: Who, platform: PlatformDep,
                     last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
                     ) -> StreamingResponse:
    require(who, "jobs:read")
    return await events.job_events(job_id, who, platform, last_event_id or "", 0)


@router.get("/jobs/{job_id}/files/{name}")
def job_file(job_id: str, name: str, who: Who, platform: PlatformDep,
             range_header: Annotated[str | None, Header(alias="Range")] = None,
             download: bool = False) -> Response:
    require(who, "jobs:read")
    answer = artifacts.get_artifact(job_id, who, platform, name, range_header)
    if download:
        answer.headers["Content-Disposition"] = f'attachment; filename="{job_id[:8]}-{name}"'
    return answer


COMPOSED_FILE = "music.wav"  # the worker stores a composed piece under this name (steps/score.py)


def music_of(platform: Platform, tenant_id: int, job_id: str) -> MusicChoice:
    """The music a finished job of this tenant put under its video (from its manifest)."""
    with platform.db.session() as session:
        location = job_artifact(session, tenant_id, job_id, "manifest.json").path
    found = json.loads(platform.artifacts.read_bytes(location)).get("music")
    if not found:
        raise NotFound("this video has no music", hint="no usable song was found for it")
    return MusicChoice.model_validate(found)


def song_file(platform: Platform, track: Track) -> Path:
    """Where a chosen catalog song's audio is, as the server itself recorded it (the built-in
    tracks, then the song catalog), never a path read from a job's files."""
    from reelforge.providers.music.catalog import builtin_tracks
    from reelforge.store.songs import song_by_key

    builtin = builtin_tracks().get(track.id)
    path = builtin.path if builtin is not None else None
    if path is None:
        with platform.db.session() as session:
            row = song_by_key(session, track.id)
            path = row.path if row is not None and row.usable_as_audio else None
    if not path or not Path(path).is_file():
        raise NotFound(f"the song {track.title!r} cannot be played here",
                       hint="it has no audio on this server (a Spotify track, or a library "
                            "song whose file was moved)")
    return Path(path)


@router.get("/jobs/{job_id}/music")
def job_music(job_id: str, who: Who, platform: PlatformDep,
              range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    """The music a job chose, to hear it on the job page: the piece composed for it (a job
    file), or the catalog song it picked. Only a job of the signed-in tenant answers."""
    require(who, "jobs:read")
    track = music_of(platform, who.tenant_id, job_id).track
    if track.source == "composed":
        return artifacts.get_artifact(job_id, who, platform, COMPOSED_FILE, range_header)
    path = song_file(platform, track)
    kind = "audio/ogg" if path.suffix == ".opus" else mimetypes.guess_type(path.name)[0]
    return FileResponse(path, media_type=kind or "application/octet-stream")


PREVIEW_NAME = re.compile(r"^[0-9a-f]{24}\.(wav|opus|ogg|mp3|flac|m4a)$")


@dataclass(frozen=True)
class MusicPreview:
    """The music the score step would choose for a reviewed script, or why there is none."""

    choice: MusicChoice | None
    url: str = ""
    problem: str = ""


def preview_folder(settings: Settings, tenant_id: int) -> Path:
    return settings.cache_dir / "studio-music" / str(tenant_id)


def preview_music(platform: Platform, tenant_id: int, brief: Brief, plan: Plan,
                  settings: Settings) -> MusicPreview:
    """Choose music for a drafted plan as the score step will (``choose_music``, the same
    engine), before anything is rendered; the audio is copied into the tenant's own preview
    folder so only that tenant can play it. The video's exact length and scene boundaries are
    known only after narration, so the job may still pick a close neighbour or recompose."""
    from reelforge.pipeline.score import VideoForm, choose_music
    from reelforge.providers.registry import music_source

    try:
        form = VideoForm(brief.duration_s, seed=brief.seed)
        own = settings.model_copy(update={"songs_tenant_id": tenant_id})  # its uploaded songs
        choice = choose_music(plan, brief.duration_s, music_source(own), form)
        if choice is None:
            return MusicPreview(None, problem="no usable song was found for this script")
        audio = Path(choice.track.path) if choice.track.source == "composed" and \
            choice.track.path else song_file(platform, choice.track)
    except ReelforgeError as exc:
        return MusicPreview(None, problem=f"{exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    digest = hashlib.sha256(f"{choice.track.id}|{audio}".encode()).hexdigest()[:24]
    name = f"{digest}{audio.suffix.lower()}"
    kept = preview_folder(settings, tenant_id) / name
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_name(f"{digest}.part")
        shutil.copyfile(audio, part)
        part.replace(kept)
    return MusicPreview(choice, url=f"/music/previews/{name}")


@router.get("/music/previews/{name}")
def music_preview_audio(name: str, who: Who, platform: PlatformDep) -> Response:
    """The music previewed for a reviewed script, from the signed-in tenant's own folder."""
    require(who, "jobs:write")
    path = preview_folder(platform.settings, who.tenant_id) / name
    if not PREVIEW_NAME.fullmatch(name) or not path.is_file():
        raise NotFound("this music preview is gone",
                       hint="review the script again to hear the music it would get")
    kind = "audio/ogg" if path.suffix == ".opus" else mimetypes.guess_type(path.name)[0]
    return FileResponse(path, media_type=kind or "application/octet-stream")


@router.get("/library/items/{item_id}/file")
def library_file(item_id: str, who: Who, platform: PlatformDep,
                 range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    """An item's own bytes (thumbnails, keyframes seeked in the browser, playback)."""
    require(who, "library:read")
    with platform.db.session() as session:
        item = get_item(session, who.tenant_id, item_id)
        location, stored, size, kind = item.location, item.stored, item.size, item.content_type
    if not stored:
        return FileResponse(location, media_type=kind)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    try:
        span = parse_range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    start, end = span or (0, size - 1)
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(platform.artifacts.read_range(location, start, end),
                             status_code=206 if span else 200, media_type=kind, headers=headers)


@router.get("/songs/audio")
def song_audio(who: Who, song: Annotated[str, Query(max_length=300)]) -> Response:
    """A built-in catalog song, to listen before choosing it."""
    require(who, "catalog:read")
    from reelforge.providers.music.catalog import builtin_tracks

    track = builtin_tracks().get(song)
    if track is None or not track.path:
        raise NotFound("this song cannot be played here",
                       hint="only built-in songs play in the studio; library songs play from "
                            "the library's file list")
    return FileResponse(track.path, media_type="audio/ogg")


def voice_sample(settings: Settings, voice: str, emotion: str, intensity: float) -> Path:
    """A short WAV of an offline voice (cached), so a person hears it before choosing."""
    from reelforge.providers import registry
    from reelforge.providers.base import SpeechRequest

    choice = registry.voice_for(voice, settings)
    if choice.engine.name not in ("piper", "espeak-ng"):
        raise InputError("samples play for offline voices only",
                         hint="a sample of a remote voice would be billed; make a 5-second "
                              "video to hear it")
    digest = hashlib.sha256(f"{voice}|{emotion}|{intensity:.1f}".encode()).hexdigest()[:20]
    path = settings.cache_dir / "studio-samples" / f"{digest}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part.wav")
        choice.engine.speak(SpeechRequest(sentences=(SAMPLE_TEXT,), voice=choice.voice_id,
                                          emotion=emotion, intensity=intensity), part)
        part.replace(path)
    return path


@router.get("/voices/sample")
async def voice_sample_audio(request: Request, who: Who, platform: PlatformDep,
                             voice: Annotated[str, Query(max_length=100)],
                             emotion: Annotated[str, Query(max_length=32)] = "neutral",
                             intensity: Annotated[float, Query(ge=0, le=1)] = 0.5) -> Response:
    require(who, "catalog:read")
    settings: Settings = platform.settings
    if not settings.studio_samples:
        raise InputError("voice samples are turned off on this server")
    path = await run_in_threadpool(voice_sample, settings, voice, emotion, round(intensity, 1))
    return FileResponse(path, media_type="audio/wav")


