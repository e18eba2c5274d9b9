"""Adding media to a tenant's library (upload or register) and grouping it by look.

Uploads are checked for size, and for type by their content: it must be the kind of media the
extension says (a file without an extension takes its type from its content), and the stored
type is the real one (a PNG named .jpg is image/png). Each new item gets an ``analyze`` job, and
a video or picture an ``index`` job (into the tenant's footage library), so both run on the
workers like any other job. One tenant holds one item per content (SHA-256): the same bytes
again, under any name, are answered with the existing item, marked as a duplicate. The CLI's
`songs add` and `footage add` record their files here too, for the ``local`` tenant.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from reelforge.errors import InputError, NotFound, ReelforgeError, TooLarge, error_body
from reelforge.jobs.platform import Platform
from reelforge.media.content_hash import content_hash as file_content_hash
from reelforge.media.content_hash import hasher
from reelforge.security.uploads import (
    EXTENSION_OF_TYPE,
    HEAD_BYTES,
    MistypedUpload,
    check_content,
    safe_filename,
    sniff_media_type,
)
from reelforge.services.jobs import check_limits, send
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import content_type_of, record_artifact
from reelforge.store.library import (
    LibraryItem,
    delete_item,
    get_item,
    item_at,
    item_with_content,
    list_items,
    new_item,
)
from reelforge.store.tenants import Principal


@dataclass
class Clusters:
    """Groups of item ids (``<id>#shotN`` for a video's shot), outliers apart."""

    groups: dict[int, list[str]] = field(default_factory=dict)
    unclustered: list[str] = field(default_factory=list)
    method: str = "none"

KIND_BY_SUFFIX = {
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"), "video"),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff",
                     ".bmp", ".gif"), "image"),
    **dict.fromkeys((".mp3", ".wav", ".flac", ".ogg", ".opus", ".m4a", ".aac"), "audio"),
}


SUPPORTED_HINT = ("upload a video (mp4, mov, mkv, webm), picture (jpg, png, webp, heic, tiff) "
                  "or song (mp3, wav, flac, ogg, opus, m4a)")


def kind_of(name: str) -> str:
    kind = KIND_BY_SUFFIX.get(Path(name).suffix.lower())
    if kind is None:
        raise InputError(f"unsupported file type {Path(name).suffix or name!r}",
                         hint=SUPPORTED_HINT)
    return kind


def typed_upload(name: str, head: bytes, *, sniff: bool) -> tuple[str, str, str]:
    """(name, kind, content type) of an upload: the kind its extension names, checked against
    its content; without an extension, the kind its content shows (and the extension added)."""
    media_type = sniff_media_type(head) if sniff else None
    if Path(name).suffix:
        kind = kind_of(name)
        if sniff:
            check_content(name, kind, head)
        return name, kind, media_type or content_type_of(name)
    if media_type is None:
        raise MistypedUpload(f"{name!r} has no extension and its content is not a video, "
                             "picture or song we can read", hint=SUPPORTED_HINT)
    return name + EXTENSION_OF_TYPE[media_type], media_type.split("/")[0], media_type


FOOTAGE_KINDS = ("video", "image")


@dataclass(frozen=True)
class Added:
    """A file now in the library: a new item, or the existing one holding the same bytes."""

    item: LibraryItem
    duplicate: bool = False


@dataclass(frozen=True)
class UploadOutcome:
    """One file of a multi-file upload: added, a duplicate, or refused with the error body."""

    name: str
    item: LibraryItem | None = None
    duplicate: bool = False
    error: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return "refused" if self.item is None else "duplicate" if self.duplicate else "added"


def local_tenant_id(platform: Platform) -> int:
    """The CLI's tenant (``store.tenants.LOCAL_TENANT``, made on first use)."""
    from reelforge.store.tenants import local_tenant_id as local_id

    with platform.db.session() as session:
        return local_id(session)


def _queue_work(platform: Platform, tenant_id: int, item_id: str, kind: str, created_by: str,
                *, index: bool = True) -> None:
    """The item's ``analyze`` job, and for a video or picture its ``index`` job (the tenant's
    footage library): one job each, so the workers share the files out."""
    from reelforge.domain import JobSpec

    with platform.db.session() as session:
        job = job_rows.new_job(session, tenant_id, {"item_id": item_id}, kind="analyze",
                               created_by=created_by)
        ids = [job.id]
        item = session.get(LibraryItem, item_id)
        assert item is not None
        item.analysis_job = job.id
        if index and kind in FOOTAGE_KINDS:
            spec = JobSpec(kind="index", item_id=item_id)
            ids.append(job_rows.new_job(session, tenant_id, spec.document(), kind="index",
                                        created_by=created_by).id)
    send(platform, ids)


def _record(platform: Platform, tenant_id: int, created_by: str, *, kind: str, name: str,
            content_type: str, size: int, digest: str, location: str | None,
            spooled: Path | None, index: bool = True,
            analysis: dict[str, Any] | None = None) -> Added:
    """The one place a file becomes a library item: the same bytes already there are that
    item (a duplicate: no second row, no second file). ``spooled`` is an upload to store
    (its location is made from the new item's id); ``location`` a file on this machine."""
    from sqlalchemy.exc import IntegrityError

    with platform.db.session() as session:
        existing = item_with_content(session, tenant_id, digest)
        if existing is not None:
            return Added(existing, duplicate=True)
    stored_at = ""
    try:
        with platform.db.session() as session:
            item = new_item(session, tenant_id, kind=kind, name=name, location=location or "",
                            stored=spooled is not None, size=size, content_type=content_type,
                            content_hash=digest)
            if analysis is not None:  # analysed already, by the same code the job runs
                item.state, item.analysis = "analyzed", analysis
            if spooled is not None:
                item.location = stored_at = f"{tenant_id}/library/{item.id}/{name}"
                platform.artifacts.put_file(spooled, item.location)
                artifact = record_artifact(session, tenant_id, None, name, item.location, size)
                artifact.content_type = content_type
    except IntegrityError:  # the same bytes were added at the same moment: that one stands
        if stored_at:
            platform.artifacts.delete_prefix(stored_at.rsplit("/", 1)[0] + "/")
        with platform.db.session() as session:
            existing = item_with_content(session, tenant_id, digest)
            if existing is None:
                raise
            return Added(existing, duplicate=True)
    if analysis is None:
        _queue_work(platform, tenant_id, item.id, kind, created_by, index=index)
    return Added(item)


def upload(platform: Platform, who: Principal, filename: str, stream: BinaryIO, *,
           declared_size: int | None) -> Added:
    """Store one uploaded file (size, type and content checked) and queue its analysis and,
    for a video or picture, its footage indexing; the same bytes again are a duplicate."""
    name = safe_filename(filename) if filename.strip() else ""  # never a path (security)
    if not name:
        raise InputError("the upload has no file name", hint="send the file as multipart "
                         "field 'file' with its name")
    if Path(name).suffix:
        kind_of(name)  # an unsupported extension is refused before the body is read
    limit = int(platform.settings.upload_max_mb * 1e6)
    if declared_size is not None and declared_size > limit + 64 * 1024:
        raise TooLarge(f"the upload is {declared_size / 1e6:.1f} MB; the limit is "
                       f"{platform.settings.upload_max_mb:g} MB", hint="send a smaller file")
    with platform.db.session() as session:
        check_limits(platform, session, who.tenant_id, 0.0, new_jobs=0)
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as spool:
        copied = 0
        digest = hasher()
        while chunk := stream.read(1024 * 1024):
            copied += len(chunk)
            if copied > limit:
                raise TooLarge(f"the upload {name!r} is over the "
                               f"{platform.settings.upload_max_mb:g} MB limit",
                               hint="send a smaller file")
            digest.update(chunk)
            spool.write(chunk)
        if copied == 0:
            raise InputError(f"the upload {name!r} is empty")
        spool.flush()
        spool.seek(0)  # the content must be what the name says (security)
        name, kind, content_type = typed_upload(name, spool.read(HEAD_BYTES),
                                                sniff=platform.settings.upload_sniff)
        return _record(platform, who.tenant_id, who.key_prefix, kind=kind, name=name,
                       content_type=content_type, size=copied, digest=digest.hexdigest(),
                       location=None, spooled=Path(spool.name))


def upload_each(platform: Platform, who: Principal,
                files: Sequence[tuple[str, BinaryIO]]) -> list[UploadOutcome]:
    """Several files in one request, each on its own: one refused file (its error body says
    why) does not stop the others."""
    outcomes: list[UploadOutcome] = []
    for filename, stream in files:
        try:
            added = upload(platform, who, filename, stream, declared_size=None)
        except ReelforgeError as exc:
            outcomes.append(UploadOutcome(filename, error=error_body(exc)))
            continue
        outcomes.append(UploadOutcome(filename, added.item, added.duplicate))
    return outcomes


def register(platform: Platform, who: Principal, path: Path) -> Added:
    """A server-side file under one of ``settings.library_roots``, analysed in place."""
    if not path.is_absolute():
        raise InputError(f"{str(path)[:200]!r} is not an absolute path",
                         hint="give the file's full path on the server, e.g. /srv/media/a.mp4")
    try:  # no ~ expansion: the path names a server file, not a user's home
        resolved = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(f"cannot read the path {str(path)[:200]!r}: {exc}") from None
    roots = [r.expanduser().resolve() for r in platform.settings.library_roots]
    if not any(resolved.is_relative_to(root) for root in roots):
        raise InputError(f"{path} is not under a library root of this server",
                         hint="set REELFORGE_LIBRARY_ROOTS, or upload the file instead")
    if not resolved.is_file():
        raise NotFound(f"no file {path}")
    return add_local_file(platform, who.tenant_id, resolved, created_by=who.key_prefix)


def add_local_file(platform: Platform, tenant_id: int, path: Path, *, created_by: str,
                   index: bool = True, content_hash: str | None = None,
                   analysis: dict[str, Any] | None = None) -> Added:
    """A file on this machine into the tenant's library, analysed in place: what `register`
    and the CLI's `songs add` / `footage add` call. ``index=False``: the CLI has just put it in
    the footage library itself; ``analysis``: its analysis document is known (no job);
    ``content_hash`` when the caller has read it already."""
    kind = kind_of(path.name)
    size = path.stat().st_size
    with platform.db.session() as session:  # recorded from here before: not read again
        known = item_at(session, tenant_id, str(path))
        if known is not None and known.size == size and known.content_hash:
            return Added(known, duplicate=True)
    digest = content_hash or file_content_hash(path)
    return _record(platform, tenant_id, created_by, kind=kind, name=path.name,
                   content_type=content_type_of(path.name), size=size,
                   digest=digest, location=str(path), spooled=None, index=index,
                   analysis=analysis)


def record_cli_files(platform: Platform, paths: Sequence[Path], *, index: bool,
                     analyses: Mapping[str, dict[str, Any]] | None = None,
                     hashes: Mapping[str, str] | None = None) -> list[Added]:
    """What `reelforge songs add` / `footage add` indexed, recorded as the ``local`` tenant's
    library items through ``add_local_file`` (the API's `register` path), so the studio and
    ``GET /v1/library/items`` list them; by path, ``analyses`` already made and SHA-256
    ``hashes`` already read."""
    tenant_id = local_tenant_id(platform)
    return [add_local_file(platform, tenant_id, path, created_by="cli", index=index,
                           analysis=(analyses or {}).get(str(path)),
                           content_hash=(hashes or {}).get(str(path))) for path in paths]


@dataclass(frozen=True)
class Deleted:
    """A library item gone: its name, and the files the footage library forgot with it."""

    item_id: str
    name: str
    kind: str
    footage_files: int = 0


def delete(platform: Platform, tenant_id: int, item_id: str) -> Deleted:
    """Delete one of the tenant's library items: its row, its stored bytes and, for a video or
    picture, its shots in the tenant's footage library (file, thumbnails and vectors, found by
    content hash or by path), so neither a search nor ``make --footage library`` can pick a
    deleted file; for a song, its place in the song catalog. A file the CLI added stays on
    disk; a later ``footage add`` of its folder brings it back. Another tenant's item is not
    found."""
    import shutil

    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        kind, name, stored = item.kind, item.name, item.stored
        location, digest = item.location, item.content_hash
        delete_item(session, item)
    if stored:
        platform.artifacts.delete_prefix(location.rsplit("/", 1)[0] + "/")
    forgotten: list[str] = []
    if kind in FOOTAGE_KINDS:
        from reelforge.library.footage_store import (
            forget_footage,
            tenant_footage_folder,
            upload_path,
        )

        folder = tenant_footage_folder(platform.settings, tenant_id)
        local = upload_path(folder, item_id, name) if stored else Path(location)
        forgotten = forget_footage(folder, _embed, content_hash=digest,
                                   paths=(str(local.resolve()),))
        if stored:
            shutil.rmtree(local.parent, ignore_errors=True)
    elif kind == "audio":
        from reelforge.jobs.songs import forget_song

        forget_song(platform, tenant_id, item_id)
    return Deleted(item_id=item_id, name=name, kind=kind, footage_files=len(forgotten))


def _embed(texts: Sequence[str]) -> np.ndarray:
    """The text encoder, loaded only when the footage library's vectors must be made again."""
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode(texts)


def clusters(platform: Platform, tenant_id: int) -> Clusters:
    """Cluster picture descriptors and per-shot video descriptors (same feature space)."""
    from reelforge.media.clustering import cluster_descriptors

    names: list[str] = []
    vectors: list[list[float]] = []
    with platform.db.session() as session:
        for item in list_items(session, tenant_id, limit=10_000):
            doc = item.analysis or {}
            if item.kind == "image" and doc.get("descriptor"):
                names.append(item.id)
                vectors.append(doc["descriptor"])
            for index, shot in enumerate(doc.get("shots", []) if item.kind == "video" else []):
                if shot.get("descriptor"):
                    names.append(f"{item.id}#shot{index}")
                    vectors.append(shot["descriptor"])
    if len(vectors) < 3:
        return Clusters(unclustered=names, method="none (fewer than 3 items)")
    result = cluster_descriptors(np.asarray(vectors, dtype=np.float32), min_cluster_size=2)
    labels = [int(v) for v in result.labels]
    groups: dict[int, list[str]] = {}
    for name, label in zip(names, labels, strict=True):
        groups.setdefault(label, []).append(name)
    return Clusters(groups={k: v for k, v in sorted(groups.items()) if k >= 0},
                    unclustered=groups.get(-1, []), method=result.method)


def duplicate_groups(platform: Platform, tenant_id: int) -> list[list[str]]:
    """Item ids of pictures that are one picture, the suggested keeper first: the same
    definition as `reelforge images dedupe` (``media.dedupe.find_duplicate_groups``)."""
    with platform.db.session() as session:
        documents = [(item.id, item.analysis or {})
                     for item in list_items(session, tenant_id, kind="image", limit=10_000)]
    return duplicate_item_groups(documents)


def duplicate_item_groups(documents: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[str]]:
    """``find_duplicate_groups`` over stored picture analyses, as item ids. An analysis stored
    before analyses kept their thumbnail cannot be compared: it is left out until the item is
    analysed again."""
    from reelforge.media.dedupe import find_duplicate_groups
    from reelforge.media.image_files import ImageAnalysis

    analyses: list[ImageAnalysis] = []
    item_of: dict[int, str] = {}
    for item_id, doc in documents:
        try:
            analysis = ImageAnalysis.from_dict(dict(doc))
        except (TypeError, KeyError, ValueError, AttributeError):
            continue  # not analysed yet, failed, or an older layout
        item_of[id(analysis)] = item_id
        analyses.append(analysis)
    return [[item_of[id(member)] for member in group.members]
            for group in find_duplicate_groups(analyses)]
