"""The footage a brief names, opened: its ``footage`` field ("library" or a folder) → an index.

``library`` is the footage library ``reelforge footage add`` fills; a folder is indexed first
(incrementally, into a cache folder of its own under the data folder, so a second ``make`` with
the same folder indexes only what changed). The indexing and the store are imported when used:
a ``make`` without footage never loads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reelforge.domain import FOOTAGE_LIBRARY
from reelforge.errors import InputError
from reelforge.library.footage import FootageIndex
from reelforge.settings import Settings

#: ``progress(done, total, file name)`` after each file indexed.
IndexProgress = Callable[[int, int, str], None]


def folder_cache(folder: Path, settings: Settings) -> Path:
    """Where a folder given to ``make --footage`` is indexed: one place per folder path."""
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return settings.data_dir / "footage-folders" / name


def footage_folder(footage: str) -> Path:
    """The folder a ``--footage`` names; one InputError when there is none."""
    folder = Path(footage).expanduser()
    if not folder.is_dir():
        raise InputError(f"--footage {footage}: no such folder",
                         hint='give a folder of videos and pictures, or "library" for the '
                              "footage library (`reelforge footage add DIR` fills it)")
    return folder


def _embed() -> Any:
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode


def index_folder(footage: str, settings: Settings, progress: IndexProgress | None = None,
                 caption: Callable[..., list[str]] | None = None) -> Any:
    """Index a ``--footage`` folder (new and changed files only); returns the add's report
    (``failed``: the files skipped, each with its reason). ``caption``: a vision model's
    captioner for new shots' keyframes (``footage_caption.Caption``), as ``footage add`` uses."""
    folder = footage_folder(footage)
    from reelforge.library.footage_add import add_footage

    return add_footage([folder], folder_cache(folder, settings), embed=_embed(),
                       progress=progress, caption=caption)


def open_footage(footage: str, settings: Settings, *, index: bool = True) -> FootageIndex:
    """The index of ``footage``; an empty library or a folder with nothing usable is one
    InputError (naming ``reelforge footage add`` for the library). ``index=False``: the
    folder was just indexed (``index_folder``), only open it."""
    if footage != FOOTAGE_LIBRARY:
        footage_folder(footage)  # a missing folder says so before anything loads
    from reelforge.library.footage_store import default_footage_folder, open_footage_index

    if footage == FOOTAGE_LIBRARY:
        return open_footage_index(default_footage_folder(settings), _embed())
    if index:
        index_folder(footage, settings)
    folder = footage_folder(footage)
    try:
        return open_footage_index(folder_cache(folder, settings), _embed())
    except InputError:
        raise InputError(f"--footage {footage} holds no video or picture reelforge can read",
                         hint="add .mp4/.mov/.mkv videos or .jpg/.png pictures to it, or give "
                              '"library"') from None


def open_tenant_footage(settings: Settings, tenant_id: int | str) -> FootageIndex:
    """A tenant's own footage library (a queued job's ``footage: "library"``), never the CLI's
    or another tenant's."""
    from reelforge.library.footage_store import open_footage_index, tenant_footage_folder

    return open_footage_index(tenant_footage_folder(settings, tenant_id), _embed())
