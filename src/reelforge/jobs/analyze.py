"""Analyse one library item (video shots, picture looks, song features) as a queued job.

A file that cannot be analysed fails its job with ``unreadable_media`` and a message about the
file as its owner knows it: no server folder, no raw ``[Errno …]`` code, no command-line flag.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelforge.errors import Canceled, InputError, ReelforgeError
from reelforge.store.library import get_item

if TYPE_CHECKING:
    from reelforge.jobs.platform import Platform


def analysis_of(kind: str, path: Path) -> dict[str, Any]:
    """The analysis document of one file, by kind."""
    if kind == "video":
        from reelforge.media.video_analysis import analyze_video

        return analyze_video(path)
    if kind == "image":
        from reelforge.media.image_files import analyze_file

        doc = dataclasses.asdict(analyze_file(path))  # with its thumbnail: dedupe compares them
        doc["path"] = path.name
        return doc
    from reelforge.media.audio_analysis import analyse_audio, decode_audio

    return analyse_audio(decode_audio(path)).to_dict()


class UnreadableMedia(InputError):
    """A library file that cannot be analysed: corrupt, truncated, not media, or too big."""

    code = "unreadable_media"


_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
RETRY_HINT = "check that the file opens on your computer, then upload it again"


def readable_error(exc: BaseException, name: str, folder: str | None) -> BaseException:
    """The error to show for a failed analysis of ``name`` (spooled in ``folder``), or ``exc``
    itself when it is a fault of ours (a bug stays an internal error, to be fixed)."""
    from reelforge.media.image_files import UnreadableImage

    def scrub(text: str) -> str:
        if folder:
            text = text.replace(folder + "/", "").replace(folder, "")
        return _ERRNO.sub("", text)

    if isinstance(exc, UnreadableImage):
        return UnreadableMedia(f"{name}: {scrub(exc.plain)}", hint=RETRY_HINT)
    if isinstance(exc, MemoryError):
        return UnreadableMedia(f"{name} is too large to analyse on this server",
                               hint="upload a smaller or more compressed file")
    if isinstance(exc, ReelforgeError) and not isinstance(exc, Canceled):
        return UnreadableMedia(scrub(exc.message), hint=scrub(exc.hint) if exc.hint else
                               RETRY_HINT)
    return exc


def analyze_item(platform: Platform, tenant_id: int, item_id: str, *,
                 cancel: Callable[[], bool]) -> None:
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        kind, location, stored, name = item.kind, item.location, item.stored, item.name
    if cancel():
        raise Canceled("the analysis was canceled")
    try:
        if stored:
            with tempfile.TemporaryDirectory() as folder:
                local = Path(folder) / Path(name).name
                local.write_bytes(platform.artifacts.read_bytes(location))
                doc = _analysis_or_readable_error(kind, local, name, folder)
        else:
            doc = _analysis_or_readable_error(kind, Path(location), name, None)
    except Exception as exc:
        with platform.db.session() as session:
            item = get_item(session, tenant_id, item_id)
            item.state, item.error = "failed", str(exc)[:2000]
        raise
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        item.state, item.analysis, item.error = "analyzed", _jsonable(doc), None
    if kind == "audio":  # the song search and `make`'s music find it, as a `songs add` song
        from reelforge.jobs.songs import index_song

        index_song(platform, tenant_id, item_id, doc)


def _analysis_or_readable_error(kind: str, path: Path, name: str,
                                folder: str | None) -> dict[str, Any]:
    try:
        return analysis_of(kind, path)
    except Exception as exc:
        shown = readable_error(exc, name, folder)
        if shown is exc:
            raise
        raise shown from exc


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
