"""Searching a tenant's footage library, for the API (the CLI opens the library directly).

Each tenant has its own library folder (``library.footage_store.tenant_footage_folder``); an
opened index is kept per folder until its files change, so a search costs the text encoding
and one FAISS query, not a reload.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reelforge.domain import Brief
from reelforge.errors import InputError, InvalidField
from reelforge.library import footage_names
from reelforge.library.footage import FootageKind, FootageMatch, FootageShot
from reelforge.library.footage_names import ShownFile
from reelforge.library.footage_store import (
    ADD_HINT,
    LIBRARY_FILE,
    FolderFootageIndex,
    open_footage_index,
    tenant_footage_folder,
)
from reelforge.settings import Settings

_opened: dict[Path, tuple[tuple[int, int], FolderFootageIndex]] = {}
_lock = threading.Lock()


def search_footage(settings: Settings, tenant_id: int, query: str, *, k: int = 10,
                   kind: FootageKind | None = None,
                   min_duration_s: float = 0.0) -> list[FootageMatch]:
    """The tenant's shots most like ``query``, best first (an ``InputError`` naming
    ``reelforge footage add`` when the tenant has no footage yet)."""
    folder = tenant_footage_folder(settings, tenant_id)
    if not (folder / LIBRARY_FILE).is_file():  # the message must not show the server's paths
        raise InputError("this tenant has no footage library yet", hint=ADD_HINT)
    index = _index(folder)
    return index.search(query, k, kind=kind, min_duration_s=min_duration_s)


def shown_file(settings: Settings, tenant_id: int, source: str) -> ShownFile:
    """A shot's file as its owner knows it: an upload by its library item (its name and id),
    never the server's folders; a file the CLI added by its own path."""
    return footage_names.shown_file(tenant_footage_folder(settings, tenant_id), source)


def find_shot(settings: Settings, tenant_id: int, shot_id: str) -> FootageShot | None:
    """The tenant's shot with this id, or None (also when the tenant has no library)."""
    folder = tenant_footage_folder(settings, tenant_id)
    if not (folder / LIBRARY_FILE).is_file():
        return None
    return _index(folder).shot(shot_id)


def thumbnail_of(settings: Settings, tenant_id: int, shot_id: str) -> Path | None:
    """The keyframe thumbnail of the tenant's shot, when its library made one (never a file
    outside the tenant's library folder, whatever the library file says)."""
    try:
        shot = find_shot(settings, tenant_id, shot_id)
    except InputError:  # a damaged library shows no pictures; the page still works
        return None
    thumbnail = str(shot.extra.get("thumbnail") or "") if shot is not None else ""
    if not thumbnail:
        return None
    path = Path(thumbnail).resolve()
    inside = tenant_footage_folder(settings, tenant_id).resolve()
    return path if path.is_relative_to(inside) and path.is_file() else None


def check_swaps(settings: Settings, tenant_id: int, brief: Brief) -> None:
    """Every shot a brief swaps in is in the tenant's own library (422 ``footage_swaps``
    otherwise), so a wrong id is refused before a job is queued."""
    for scene, shot_id in brief.footage_swaps.items():
        if find_shot(settings, tenant_id, shot_id) is None:
            raise InvalidField(f"footage_swaps: shot {shot_id!r} (scene index {scene}) is not in "
                               "this tenant's footage library", field="footage_swaps",
                               hint="pick one of the scene's candidates (the manifest's "
                                    "footage list), or a shot id from GET /v1/footage/search")


def _index(folder: Path) -> FolderFootageIndex:
    from reelforge.media.embeddings import get_text_encoder

    try:
        info = (folder / LIBRARY_FILE).stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    with _lock:
        cached = _opened.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            index = open_footage_index(folder, get_text_encoder().encode)
        except InputError:
            raise InputError("this tenant's footage library is empty", hint=ADD_HINT) from None
        _opened[folder] = (stamp, index)
        return index
