"""Analyse one library item (video shots, picture looks, song features) as a queued job."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelforge.errors import Canceled
from reelforge.store.library import get_item

if TYPE_CHECKING:
    from reelforge.services.platform import Platform


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
                doc = analysis_of(kind, local)
        else:
            doc = analysis_of(kind, Path(location))
    except Exception as exc:
        with platform.db.session() as session:
            item = get_item(session, tenant_id, item_id)
            item.state, item.error = "failed", str(exc)[:2000]
        raise
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        item.state, item.analysis, item.error = "analyzed", _jsonable(doc), None


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
