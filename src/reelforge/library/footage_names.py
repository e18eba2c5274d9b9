"""A shot's file as its owner knows it: an upload by its library item (name and id), a file the
CLI added by its own path.

An uploaded file is kept at ``uploads/<item id>/<name>`` of its tenant's footage folder
(``footage_store.upload_path``), because ``make`` renders shots from their source file; that
path is the server's business. The footage search (API and studio) and a platform job's manifest
name such a shot by the item instead; the stored path stays in the library and the step cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelforge.domain import FootageChoice, FootagePick, Manifest
from reelforge.library.footage_store import UPLOADS_DIR


@dataclass(frozen=True)
class ShownFile:
    """What a user is shown for a shot's file: ``name`` (an upload's file name, or the path the
    CLI added) and the library item of an upload."""

    name: str
    item_id: str | None = None


def shown_file(folder: Path, source: str) -> ShownFile:
    """``source`` as its owner knows it, for the library in ``folder``: an upload is its item
    (``uploads/<item id>/<name>`` → name, item id); any other file keeps its path."""
    try:
        parts = Path(source).resolve().relative_to(folder.resolve()).parts
    except (ValueError, OSError):
        return ShownFile(source)
    if len(parts) != 3 or parts[0] != UPLOADS_DIR:
        return ShownFile(source)
    return ShownFile(name=parts[2], item_id=parts[1])


def shown_pick(pick: FootagePick, folder: Path) -> FootagePick:
    shown = shown_file(folder, pick.source)
    if shown.item_id is None:
        return pick
    return pick.model_copy(update={"source": shown.name, "item_id": shown.item_id})


def shown_manifest(manifest: Manifest, folder: Path) -> Manifest:
    """The manifest a platform job stores: every footage pick (each scene's shot, runner-up and
    candidates, and a montage's cuts) naming an upload by its item, not its server path."""

    def choice(c: FootageChoice) -> FootageChoice:
        return c.model_copy(update={
            "shot": shown_pick(c.shot, folder) if c.shot is not None else None,
            "runner_up": shown_pick(c.runner_up, folder) if c.runner_up is not None else None,
            "candidates": [shown_pick(p, folder) for p in c.candidates]})

    update: dict[str, object] = {"footage": [choice(c) for c in manifest.footage]}
    if manifest.montage is not None:
        update["montage"] = manifest.montage.model_copy(update={"cuts": [
            cut.model_copy(update={"shot": shown_pick(cut.shot, folder)})
            for cut in manifest.montage.cuts]})
    return manifest.model_copy(update=update)
