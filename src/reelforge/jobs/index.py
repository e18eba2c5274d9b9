"""Put one library video or picture into its tenant's footage library, as a queued job.

One job per file, so N workers index N files at once; the per-file work is the CLI's
(``library.footage_add.index_file``). An uploaded file is copied once into the tenant's footage
folder (``uploads/<item id>/``): ``make`` reads shots from their source file when it renders.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelforge.errors import Canceled, InputError
from reelforge.jobs.analyze import RETRY_HINT, UnreadableMedia
from reelforge.store.library import get_item

if TYPE_CHECKING:
    from reelforge.jobs.platform import Platform
    from reelforge.library.footage_caption import Caption

FOOTAGE_KINDS = ("video", "image")


def index_item(platform: Platform, tenant_id: int, item_id: str, *,
               cancel: Callable[[], bool], caption: Caption | None = None) -> dict[str, Any]:
    """Index the item's file; returns what happened (shots added, or why none). ``caption``:
    the tenant's vision model, when one is configured (``providers/vision.py``)."""
    from reelforge.library.footage_add import index_file
    from reelforge.library.footage_store import tenant_footage_folder
    from reelforge.media.embeddings import get_text_encoder

    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        kind, location, stored, name = item.kind, item.location, item.stored, item.name
    if kind not in FOOTAGE_KINDS:
        raise InputError(f"{name} is a {kind} file; only videos and pictures are footage")
    if cancel():
        raise Canceled("the indexing was canceled")
    folder = tenant_footage_folder(platform.settings, tenant_id)
    local = _local_copy(platform, folder, item_id, name, location) if stored else Path(location)
    report = index_file(local, folder, embed=get_text_encoder().encode, caption=caption)
    if _deleted_meanwhile(platform, tenant_id, item_id):  # its shots must not come back
        from reelforge.library.footage_store import forget_footage

        forget_footage(folder, get_text_encoder().encode, paths=(str(local.resolve()),))
        if stored:
            shutil.rmtree(local.parent, ignore_errors=True)
        raise Canceled(f"{name} was deleted from the library while it was being indexed")
    if report.failed:
        raise UnreadableMedia(f"{name}: {report.failed[0].reason}", hint=RETRY_HINT)
    return {"item_id": item_id, "shots_added": report.shots_added,
            "unchanged": bool(report.skipped),
            "notes": [w.reason.replace(str(folder), "") for w in report.warnings]}


def _deleted_meanwhile(platform: Platform, tenant_id: int, item_id: str) -> bool:
    from reelforge.errors import NotFound

    with platform.db.session() as session:
        try:
            get_item(session, tenant_id, item_id)
        except NotFound:
            return True
    return False


def _local_copy(platform: Platform, folder: Path, item_id: str, name: str,
                location: str) -> Path:
    """The uploaded file in the tenant's footage folder (written whole, then renamed)."""
    from reelforge.library.footage_store import upload_path

    local = upload_path(folder, item_id, name)
    if not local.is_file():
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{os.getpid()}.part")
        try:
            partial.write_bytes(platform.artifacts.read_bytes(location))
            os.replace(partial, local)
        finally:
            partial.unlink(missing_ok=True)
    return local
