"""The footage a brief names, opened: its ``footage`` field ("library" or a folder) → an index.

``library`` is the footage library ``reelforge footage add`` fills; a folder is indexed first
(incrementally, into a cache folder of its own under the data folder, so a second ``make`` with
the same folder indexes only what changed). The indexing and the store are imported when used:
a ``make`` without footage never loads them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reelforge.domain import FOOTAGE_LIBRARY
from reelforge.errors import InputError
from reelforge.library.footage import FootageIndex
from reelforge.settings import Settings


def folder_cache(folder: Path, settings: Settings) -> Path:
    """Where a folder given to ``make --footage`` is indexed: one place per folder path."""
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return settings.data_dir / "footage-folders" / name


def open_footage(footage: str, settings: Settings) -> FootageIndex:
    """The index of ``footage``; an empty library or a missing folder is one InputError."""
    folder = Path(footage).expanduser()
    if footage != FOOTAGE_LIBRARY and not folder.is_dir():
        raise InputError(f"--footage {footage}: no such folder",
                         hint='give a folder of videos and pictures, or "library" for the '
                              "footage library (`reelforge footage add DIR` fills it)")
    from reelforge.library.footage_store import default_footage_folder, open_footage_index
    from reelforge.media.embeddings import get_text_encoder

    embed = get_text_encoder().encode
    if footage == FOOTAGE_LIBRARY:
        return open_footage_index(default_footage_folder(settings), embed)
    from reelforge.library.footage_add import add_footage

    cache = folder_cache(folder, settings)
    add_footage([folder], cache, embed=embed)
    return open_footage_index(cache, embed)
