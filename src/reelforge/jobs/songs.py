"""An uploaded song into the song catalog, so the song search and ``make``'s music find it, as
they find a song `reelforge songs add` indexed.

The analyze job calls ``index_song`` once the song's features are known (no second decode). A
tenant's upload is its own: only its song search and its jobs find it (``Song.tenant_id``); the
``local`` tenant's uploads are the server's own songs, shared like those of `songs add`. An
uploaded file is copied once into ``songs/tenant-<id>/<item id>/`` of the data folder, because
the music is rendered from the song's file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelforge.settings import Settings
from reelforge.store.library import get_item

if TYPE_CHECKING:
    from reelforge.jobs.platform import Platform


def song_key(item_id: str) -> str:
    """The catalog key of an uploaded or registered library song."""
    return f"item:{item_id}"


def song_folder(settings: Settings, tenant_id: int, item_id: str) -> Path:
    return settings.data_dir / "songs" / f"tenant-{tenant_id}" / item_id


def index_song(platform: Platform, tenant_id: int, item_id: str,
               analysis: dict[str, Any]) -> bool:
    """Add the library song to the catalog from its analysis; False when it is too short to be
    music (as `songs add` skips it). An item deleted meanwhile is taken out again."""
    from reelforge.media.audio_analysis import AudioFeatures
    from reelforge.providers.music.catalog import SongCatalog, SongInput
    from reelforge.providers.music.description import inferred_moods
    from reelforge.providers.music.library import LIBRARY_LICENCE, MIN_DURATION_S, read_tags
    from reelforge.store.tenants import LOCAL_TENANT, Tenant

    features = AudioFeatures.from_dict(analysis)
    if features.duration_s < MIN_DURATION_S:
        return False
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        name, location, stored = item.name, item.location, item.stored
        size, digest = item.size, item.content_hash
        tenant = session.get(Tenant, tenant_id)
        shared = tenant is not None and tenant.name == LOCAL_TENANT
    path = _local_copy(platform, tenant_id, item_id, name, location) if stored \
        else Path(location)
    tags = read_tags(str(path))
    genre = tags.get("genre", "")
    SongCatalog(platform.settings).add([SongInput(
        key=song_key(item_id), source="library",
        title=tags.get("title") or Path(name).stem.replace("_", " "),
        artist=tags.get("artist", ""), album=tags.get("album", ""), genre=genre,
        duration_s=features.duration_s, path=str(path), licence=LIBRARY_LICENCE,
        tags=([genre] if genre else []) + inferred_moods(features), features=features,
        file_size=size, content_hash=digest, tenant_id=None if shared else tenant_id)])
    from reelforge.errors import NotFound

    with platform.db.session() as session:
        try:
            get_item(session, tenant_id, item_id)
        except NotFound:  # deleted while it was analysed: it must not stay findable
            deleted = True
        else:
            deleted = False
    if deleted:
        forget_song(platform, tenant_id, item_id)
    return not deleted


def forget_song(platform: Platform, tenant_id: int, item_id: str) -> None:
    """Take a deleted library song out of the catalog, with its copy."""
    from reelforge.providers.music.catalog import SongCatalog
    from reelforge.store.songs import song_by_key

    catalog = SongCatalog(platform.settings)
    with catalog.db.session() as session:
        row = song_by_key(session, song_key(item_id))
        found = None if row is None else row.id
    if found is not None:
        catalog.remove([found])
    shutil.rmtree(song_folder(platform.settings, tenant_id, item_id), ignore_errors=True)


def _local_copy(platform: Platform, tenant_id: int, item_id: str, name: str,
                location: str) -> Path:
    """The uploaded song on this machine (written whole, then renamed)."""
    local = song_folder(platform.settings, tenant_id, item_id) / Path(name).name
    if not local.is_file():
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{os.getpid()}.part")
        try:
            partial.write_bytes(platform.artifacts.read_bytes(location))
            os.replace(partial, local)
        finally:
            partial.unlink(missing_ok=True)
    return local
