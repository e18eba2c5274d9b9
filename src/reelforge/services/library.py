"""Adding media to a tenant's library (upload or register) and grouping it by look.

Uploads are checked for size, and for type by their content: it must be the kind of media the
extension says (a file without an extension takes its type from its content), and the stored
type is the real one (a PNG named .jpg is image/png). Each new item gets an ``analyze`` job, so
analysis runs on the workers like any other job.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from reelforge.errors import InputError, NotFound, TooLarge
from reelforge.jobs.platform import Platform
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
from reelforge.store.library import LibraryItem, list_items, new_item
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


def _queue_analysis(platform: Platform, who: Principal, item_id: str) -> None:
    with platform.db.session() as session:
        job = job_rows.new_job(session, who.tenant_id, {"item_id": item_id}, kind="analyze",
                               created_by=who.key_prefix)
        item = session.get(LibraryItem, item_id)
        assert item is not None
        item.analysis_job = job.id
    send(platform, [job.id])


def upload(platform: Platform, who: Principal, filename: str, stream: BinaryIO, *,
           declared_size: int | None) -> LibraryItem:
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
        while chunk := stream.read(1024 * 1024):
            copied += len(chunk)
            if copied > limit:
                raise TooLarge(f"the upload is over the {platform.settings.upload_max_mb:g} MB "
                               "limit", hint="send a smaller file")
            spool.write(chunk)
        if copied == 0:
            raise InputError(f"the upload {name!r} is empty")
        spool.flush()
        spool.seek(0)  # the content must be what the name says (security)
        name, kind, content_type = typed_upload(name, spool.read(HEAD_BYTES),
                                                sniff=platform.settings.upload_sniff)
        with platform.db.session() as session:
            item = new_item(session, who.tenant_id, kind=kind, name=name, location="",
                            stored=True, size=copied, content_type=content_type)
            item.location = f"{who.tenant_id}/library/{item.id}/{name}"
            platform.artifacts.put_file(Path(spool.name), item.location)
            stored = record_artifact(session, who.tenant_id, None, name, item.location, copied)
            stored.content_type = content_type
    _queue_analysis(platform, who, item.id)
    return item


def register(platform: Platform, who: Principal, path: Path) -> LibraryItem:
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
    kind = kind_of(resolved.name)
    with platform.db.session() as session:
        item = new_item(session, who.tenant_id, kind=kind, name=resolved.name,
                        location=str(resolved), stored=False, size=resolved.stat().st_size,
                        content_type=content_type_of(resolved.name))
    _queue_analysis(platform, who, item.id)
    return item


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
