"""A footage library kept in one folder per tenant: shots as JSON, vectors as a FAISS index.

``footage.json`` holds every indexed file (path, content hash, its shots) and every shot with its
description; ``vectors.faiss`` holds one MiniLM vector per shot in the same ``VectorIndex`` the
songs use, keyed by the shot's number. Both are written whole and renamed, vectors first, and
each records a fingerprint of the shot numbers: when a crash leaves them out of step, the
vectors are made again from the stored descriptions (no media is decoded again).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.errors import InputError
from reelforge.library.footage import Embed, FootageKind, FootageMatch, FootageShot
from reelforge.library.footage_describe import match_reason, orientation_of
from reelforge.media.embeddings import DIMENSION, MODEL_ID
from reelforge.media.index import VectorIndex, load_index, save_index
from reelforge.settings import Settings

LIBRARY_FILE = "footage.json"
VECTORS_FILE = "vectors.faiss"
THUMBS_DIR = "thumbs"
#: Uploaded files are copied here, one folder per library item: ``uploads/<item id>/<name>``.
UPLOADS_DIR = "uploads"
FORMAT = 1
ADD_HINT = "index your clips and pictures first: reelforge footage add DIR"


def default_footage_folder(settings: Settings) -> Path:
    """The CLI's library: the ``local`` tenant's, the one the studio and the API show to that
    tenant's keys (and its workers fill from uploads). A library an older reelforge kept in
    ``footage/local`` moves there on first use."""
    from reelforge.store.db import open_database
    from reelforge.store.tenants import local_tenant_id

    with open_database(settings).session() as session:
        folder = tenant_footage_folder(settings, local_tenant_id(session))
    _adopt(settings.data_dir / "footage" / "local", folder)
    return folder


def _adopt(old: Path, folder: Path) -> None:
    """Move a library from ``old`` to ``folder`` (when ``folder`` has none), its thumbnails'
    recorded paths with it."""
    if not (old / LIBRARY_FILE).is_file() or (folder / LIBRARY_FILE).exists():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        if folder.exists():
            folder.rmdir()  # an empty folder only (a lock file, say, keeps both where they are)
        old.rename(folder)
    except OSError:
        return
    path = folder / LIBRARY_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(json.dumps(str(old))[1:-1] + "/",
                                 json.dumps(str(folder))[1:-1] + "/"), encoding="utf-8")


def tenant_footage_folder(settings: Settings, tenant_id: int | str) -> Path:
    """One tenant's library; tenants never share a folder."""
    return settings.data_dir / "footage" / f"tenant-{tenant_id}"


@dataclass
class FootageFile:
    """One indexed file and the shots it gave."""

    path: str
    content_hash: str
    size: int
    mtime_ns: int
    kind: FootageKind
    shot_ids: list[int] = field(default_factory=list)
    duration_s: float = 0.0
    has_audio: bool = False
    transcribed: bool = False  # its sound was listened to (moot without sound)
    analysis: int = 1  # footage_analyse.ANALYSIS_VERSION it was described with


@dataclass
class FootageLibrary:
    """What ``footage.json`` holds: files by path, shots by vector id."""

    folder: Path
    files: dict[str, FootageFile] = field(default_factory=dict)
    shots: dict[int, FootageShot] = field(default_factory=dict)
    next_id: int = 1

    @property
    def thumbs(self) -> Path:
        return self.folder / THUMBS_DIR

    def file_with_hash(self, content_hash: str) -> FootageFile | None:
        for record in self.files.values():
            if record.content_hash == content_hash:
                return record
        return None

    def remove_file(self, path: str, *, keep_hash: str = "") -> list[int]:
        """Forget a file, its shots and their thumbnails (unless its content stays, as
        ``keep_hash`` or another file); returns the vector ids to drop."""
        record = self.files.pop(path, None)
        if record is None:
            return []
        content_stays = record.content_hash == keep_hash \
            or self.file_with_hash(record.content_hash) is not None
        for shot_id in record.shot_ids:
            shot = self.shots.pop(shot_id, None)
            thumbnail = str(shot.extra.get("thumbnail") or "") if shot is not None else ""
            if thumbnail and not content_stays:
                Path(thumbnail).unlink(missing_ok=True)
        return list(record.shot_ids)

    def add_file(self, record: FootageFile, shots: list[FootageShot]) -> list[int]:
        """Record a file and its shots; returns the new shots' vector ids, in order."""
        ids = list(range(self.next_id, self.next_id + len(shots)))
        self.next_id += len(shots)
        record.shot_ids = ids
        self.files[record.path] = record
        self.shots.update(zip(ids, shots, strict=True))
        return ids

    def fingerprint(self) -> str:
        ids = np.array(sorted(self.shots), dtype=np.int64)
        return hashlib.sha256(ids.tobytes()).hexdigest()[:32]


def shot_to_dict(shot: FootageShot) -> dict[str, Any]:
    data = asdict(shot)
    data["names"], data["colours"] = list(shot.names), list(shot.colours)
    data["image_hash"] = f"{shot.image_hash:016x}"
    return data


def shot_from_dict(data: dict[str, Any]) -> FootageShot:
    known = {f.name for f in fields(FootageShot)}
    values = {k: v for k, v in data.items() if k in known}
    values["names"] = tuple(values.get("names", ()))
    values["colours"] = tuple(values.get("colours", ()))
    values["image_hash"] = int(str(values.get("image_hash", "0")), 16)
    return FootageShot(**values)


def load_library(folder: Path) -> FootageLibrary:
    """The library stored in ``folder`` (empty when there is none yet)."""
    path = folder / LIBRARY_FILE
    if not path.is_file():
        return FootageLibrary(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"the footage library {path} is damaged ({exc})",
                         hint=f"delete {folder} and run `reelforge footage add DIR` again",
                         ) from None
    if data.get("format") != FORMAT:
        raise InputError(f"the footage library {path} has format {data.get('format')!r}, "
                         f"this reelforge reads {FORMAT}",
                         hint=f"delete {folder} and run `reelforge footage add DIR` again")
    files = {f["path"]: FootageFile(**f) for f in data.get("files", [])}
    shots = {int(s["id"]): shot_from_dict(s["shot"]) for s in data.get("shots", [])}
    return FootageLibrary(folder, files, shots, int(data.get("next_id", 1)))


def save_library(library: FootageLibrary, vectors: VectorIndex) -> None:
    """Write vectors, then shots (each whole, then renamed), stamped with one fingerprint."""
    library.folder.mkdir(parents=True, exist_ok=True)
    vectors.fingerprint = library.fingerprint()
    save_index(vectors, str(library.folder / VECTORS_FILE))
    data = {
        "format": FORMAT,
        "fingerprint": vectors.fingerprint,
        "next_id": library.next_id,
        "files": [asdict(f) for f in library.files.values()],
        "shots": [{"id": i, "shot": shot_to_dict(s)} for i, s in library.shots.items()],
    }
    target = library.folder / LIBRARY_FILE
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def load_vectors(library: FootageLibrary, embed: Embed) -> VectorIndex:
    """The library's vectors; made again from the descriptions when missing or out of step."""
    stored = load_index(str(library.folder / VECTORS_FILE))
    if stored is not None and stored.fingerprint == library.fingerprint() \
            and len(stored) == len(library.shots):
        return stored
    if not library.shots:
        return VectorIndex(DIMENSION, model_id=MODEL_ID)
    ids = np.array(sorted(library.shots), dtype=np.int64)
    index = VectorIndex.build(ids, embed([library.shots[int(i)].description for i in ids]),
                              model_id=MODEL_ID)
    save_library(library, index)
    return index


@dataclass
class FolderFootageIndex:
    """A stored footage library, searchable by meaning (the ``FootageIndex`` of the CLI and
    ``make --footage``)."""

    library: FootageLibrary
    vectors: VectorIndex
    embed: Embed

    _facet_arrays: tuple[np.ndarray, ...] | None = field(default=None, init=False, repr=False)
    _by_shot_id: dict[str, FootageShot] | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.library.shots)

    def _facets(self) -> tuple[np.ndarray, ...]:
        """(ids, kinds, durations, orientations) as arrays, made once: a filter is then a
        vector comparison, not a loop over every shot per query (50 ms at 100k shots)."""
        if self._facet_arrays is None:
            shots = self.library.shots
            self._facet_arrays = (
                np.fromiter(shots, dtype=np.int64, count=len(shots)),
                np.array([s.kind for s in shots.values()]),
                np.array([s.duration_s for s in shots.values()], dtype=np.float64),
                np.array([orientation_of(s.width, s.height) for s in shots.values()]))
        return self._facet_arrays

    @property
    def shots(self) -> list[FootageShot]:
        """Every shot, by file and then time."""
        return sorted(self.library.shots.values(), key=lambda s: (s.source, s.start_s))

    def shot(self, shot_id: str) -> FootageShot | None:
        """The shot with this id, or None (the job page asks for each scene and candidate)."""
        if self._by_shot_id is None:
            self._by_shot_id = {s.shot_id: s for s in self.library.shots.values()}
        return self._by_shot_id.get(shot_id)

    def search(self, text: str, k: int = 10, *, kind: FootageKind | None = None,
               min_duration_s: float = 0.0, orientation: str | None = None) -> list[FootageMatch]:
        """The ``k`` shots most like ``text``, best first; filters apply before ranking, so all
        ``k`` pass them. A picture passes any ``min_duration_s`` (it can be held as long as
        needed); ``orientation`` is landscape, portrait or square."""
        if k <= 0 or not self.library.shots:
            return []
        allowed = None
        if kind is not None or min_duration_s > 0 or orientation is not None:
            ids, kinds, durations, orientations = self._facets()
            keep = (kinds == kind) if kind is not None else np.ones(ids.size, dtype=bool)
            if min_duration_s > 0:
                keep &= (kinds == "picture") | (durations >= min_duration_s)
            if orientation is not None:
                keep &= orientations == orientation
            allowed = ids[keep]
            if allowed.size == 0:
                return []
        query = self.embed([text])[0]
        hits = self.vectors.search(query, k, allowed_ids=allowed)
        return [FootageMatch(shot, round(score, 4), match_reason(text, shot))
                for shot, score in ((self.library.shots[i], s) for i, s in hits)]


def upload_path(folder: Path, item_id: str, name: str) -> Path:
    """Where an uploaded library item's file is kept in its tenant's footage folder (``make``
    renders shots from it)."""
    return folder / UPLOADS_DIR / item_id / Path(name).name


def forget_footage(folder: Path, embed: Embed, *, content_hash: str | None = None,
                   paths: tuple[str, ...] = ()) -> list[str]:
    """Remove from the library in ``folder`` every file holding ``content_hash`` or recorded
    at one of ``paths``, with its shots, thumbnails and vectors (a library item was deleted:
    search and ``make`` must no longer find it). Returns the paths forgotten."""
    from filelock import FileLock

    if not (folder / LIBRARY_FILE).is_file():
        return []
    with FileLock(str(folder / ".lock")):
        library = load_library(folder)
        gone = [p for p, f in library.files.items()
                if p in paths or (content_hash is not None and f.content_hash == content_hash)]
        if not gone:
            return []
        vectors = load_vectors(library, embed)
        for path in gone:
            vectors.remove(library.remove_file(path))
        save_library(library, vectors)
    return gone


def open_footage_index(folder: Path, embed: Embed) -> FolderFootageIndex:
    """The library in ``folder`` ready to search; an ``InputError`` naming ``reelforge footage
    add`` when there is none or it holds no shot."""
    library = load_library(folder)
    if not library.shots:
        state = "is empty" if (folder / LIBRARY_FILE).is_file() else "does not exist yet"
        raise InputError(f"the footage library {folder} {state}", hint=ADD_HINT)
    return FolderFootageIndex(library, load_vectors(library, embed), embed)
