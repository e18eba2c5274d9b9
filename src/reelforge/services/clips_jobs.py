"""Submitting a ``clips`` job: one of the tenant's library videos to shorts (issue 18).

The API (``POST /v1/clips``) and the studio ("Clips from a video") call ``submit_clips``; each
bad field is one ``InvalidField`` naming it (422), a library item the tenant does not have is
``NotFound`` (404, the same answer for another tenant's id). The worker runs the job with the
code ``reelforge clips`` runs (``jobs/clips.py`` → ``pipeline/clips.py``).
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from reelforge.domain import ClipsOrder, JobSpec
from reelforge.errors import InputError, InvalidField, NotFound
from reelforge.jobs.platform import Platform
from reelforge.services.jobs import check_limits, enqueue
from reelforge.store import jobs as job_rows
from reelforge.store.jobs import Job
from reelforge.store.library import get_item

_ITEM_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
LONGEST_CLIP_S = 600.0


def clips_order(*, count: int = 5, length: str = "20-60", aspect: str = "9:16", about: str = "",
                captions: str = "karaoke", visual_only: bool = False,
                hook_title: bool = False, music_item_id: str = "") -> ClipsOrder:
    """The order from a request's fields, or one ``InvalidField`` naming the bad one."""
    from reelforge.media.reframe import parse_aspect
    from reelforge.pipeline.clips import parse_length
    from reelforge.services.captions import caption_style

    try:
        low, high = parse_length(length)
    except InputError:
        raise InvalidField(f"length {length[:40]!r} is not MIN-MAX seconds", field="length",
                           hint="e.g. \"20-60\": clips of 20 to 60 seconds") from None
    if high > LONGEST_CLIP_S:
        raise InvalidField(f"length {length!r}: a clip can last at most {LONGEST_CLIP_S:g} s",
                           field="length", hint="e.g. \"20-60\"")
    if not 1 <= count <= 20:
        raise InvalidField(f"count {count}: ask for 1 to 20 clips", field="count")
    try:
        parse_aspect(aspect)
    except InputError:
        raise InvalidField(f"aspect {aspect[:20]!r} is not W:H", field="aspect",
                           hint="e.g. \"9:16\", \"1:1\" or \"4:5\"") from None
    try:
        style = caption_style(captions)
    except InputError as exc:
        raise InvalidField(exc.message, field="captions", hint=exc.hint) from None
    try:
        return ClipsOrder(count=count, min_s=low, max_s=high, aspect=aspect.strip(),
                          about=about.strip(), captions=style, visual_only=visual_only,
                          hook_title=hook_title, music_item_id=music_item_id.strip() or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidField(str(first["msg"]), field=str(first["loc"][0])) from None


def check_clips_source(platform: Platform, tenant_id: int, item_id: str,
                       order: ClipsOrder) -> str:
    """The name of the tenant's library video ``item_id``, if clips can be cut from it."""
    if not _ITEM_ID.fullmatch(item_id):
        raise NotFound(f"no library item {item_id[:40]!r}",
                       hint="pick a video of GET /v1/library/items?kind=video")
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        kind, name, state, error = item.kind, item.name, item.state, item.error
        duration = ((item.analysis or {}).get("file") or {}).get("duration_s")
    if kind != "video":
        raise InvalidField(f"library item {name!r} is a{'n' if kind[0] in 'aeiou' else ''} "
                           f"{kind}, not a video", field="item_id",
                           hint="clips are cut from a video with speech (talk, podcast, lesson)")
    if state == "failed":
        raise InvalidField(f"{name!r} could not be read: {(error or '')[:300]}", field="item_id",
                           hint="upload the video again, or another one")
    if order.music_item_id is not None:
        check_music_item(platform, tenant_id, order.music_item_id)
    if isinstance(duration, (int, float)) and duration < order.min_s:
        raise InvalidField(f"{name!r} is {duration:.1f} s long, shorter than the shortest clip "
                           f"asked for ({order.min_s:g} s)", field="length",
                           hint="ask for shorter clips, e.g. \"5-15\"")
    return name


def check_music_item(platform: Platform, tenant_id: int, item_id: str) -> None:
    """The music bed must be a song of the tenant's library (another tenant's is "no such")."""
    hint = "pick a song of GET /v1/library/items?kind=audio, or none"
    name = kind = ""
    if _ITEM_ID.fullmatch(item_id):
        with platform.db.session() as session:
            try:
                item = get_item(session, tenant_id, item_id)
                name, kind = item.name, item.kind
            except NotFound:
                pass
    if not kind:
        raise InvalidField(f"no song {item_id[:40]!r} in your library", field="music_item_id",
                           hint=hint)
    if kind != "audio":
        raise InvalidField(f"library item {name!r} is a{'n' if kind[0] in 'aeiou' else ''} {kind}, "
                           "not a song",
                           field="music_item_id", hint=hint)


def submit_clips(platform: Platform, tenant_id: int, item_id: str, order: ClipsOrder, *,
                 created_by: str = "") -> Job:
    """Check the source and the limits, then queue the job (row committed before its message,
    as every job: the sweep sends it if sending fails)."""
    check_clips_source(platform, tenant_id, item_id, order)
    spec = JobSpec(kind="clips", item_id=item_id, clips=order)
    with platform.db.engine.connect() as connection:
        with connection.begin():
            check_limits(platform, connection, tenant_id, 0.0)
            job = job_rows.new_job(connection, tenant_id, spec.document(), kind="clips",
                                   created_by=created_by)
        sent = enqueue(platform, [job.id])
        if sent:
            with connection.begin():
                job_rows.mark_enqueued(connection, sent)
    return job

