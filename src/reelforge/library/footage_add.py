"""``reelforge footage add``: index folders of clips and pictures into a footage library.

Incremental by content: a file whose size and modification time are unchanged is skipped
without being read; otherwise its content hash decides (a touched or moved file keeps its
shots). New files are analysed in worker processes (``footage_analyse``), each result is
embedded and stored as soon as it arrives, and the library is saved every few files, so an
interrupted run keeps what it finished. A file that cannot be used is listed with its reason;
it never ends the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from reelforge.library.footage import Embed
from reelforge.library.footage_analyse import (
    ANALYSIS_VERSION,
    FileResult,
    FileTask,
    analyse_file,
    kind_of,
)
from reelforge.library.footage_caption import Caption, captioned
from reelforge.library.footage_store import (
    FootageFile,
    FootageLibrary,
    load_library,
    load_vectors,
    save_library,
)
from reelforge.media.content_hash import content_hash
from reelforge.media.index import VectorIndex
from reelforge.media.parallel import results_as_finished

#: Files next to footage that describe it, never footage themselves.
SIDECAR_SUFFIXES = frozenset({".txt", ".json"})
SAVE_EVERY_S = 20.0


@dataclass(frozen=True)
class FailedFile:
    path: str
    reason: str


@dataclass
class FootageAddReport:
    """What one ``add`` did, file by file."""

    added: list[str] = field(default_factory=list)  # new or changed files now indexed
    skipped: list[str] = field(default_factory=list)  # unchanged since the last add
    failed: list[FailedFile] = field(default_factory=list)  # not indexed, with the reason
    removed: list[str] = field(default_factory=list)  # gone from an added folder
    warnings: list[FailedFile] = field(default_factory=list)  # indexed, something missing
    shots_added: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def add_footage(
    paths: Sequence[Path],
    folder: Path,
    *,
    embed: Embed,
    transcribe: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
    caption: Caption | None = None,
) -> FootageAddReport:
    """Index the videos and pictures in ``paths`` (folders searched recursively) into the
    library in ``folder``; ``progress(done, total, file name)`` after each file; ``caption``
    (a vision model, when one is configured) adds a sentence per keyframe."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    report = FootageAddReport()
    with FileLock(str(folder / ".lock")):
        library = load_library(folder)
        vectors = load_vectors(library, embed)
        found = list(_footage_files(paths, report))
        tasks: list[FileTask] = []
        pending: dict[str, str] = {}  # content hash → the file this run indexes it from
        for path, root in found:
            task = _task_if_changed(library, pending, path, root, transcribe, report)
            if task is not None:
                tasks.append(task)
        _forget_missing(library, vectors, paths, report)  # after moves took their records
        total = len(tasks)
        if progress is not None:
            progress(0, total, "")
        saved_at = time.monotonic()
        finished = results_as_finished(analyse_file, tasks, workers=workers)
        for done, (position, result) in enumerate(finished, start=1):
            _store(library, vectors, tasks[position], captioned(result, caption), embed,
                   report)
            if progress is not None:
                progress(done, total, result.path.name)
            if time.monotonic() - saved_at > SAVE_EVERY_S:
                save_library(library, vectors)
                saved_at = time.monotonic()
        save_library(library, vectors)
    return report


def index_file(path: Path, folder: Path, *, embed: Embed,
               transcribe: bool = True,
               caption: Caption | None = None) -> FootageAddReport:
    """One video or picture into the library in ``folder``: the workers' ``index`` task, with
    the batch's per-file code (``_task_if_changed``, ``analyse_file``, ``_store``). The file is
    analysed outside the folder's lock, so N workers index N files at once; only reading and
    writing the library are one at a time."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    report = FootageAddReport()
    path = path.expanduser().resolve()
    found = list(_footage_files([path], report))
    if not found:
        return report
    lock = FileLock(str(folder / ".lock"))
    with lock:
        library = load_library(folder)
        task = _task_if_changed(library, {}, path, None, transcribe, report)
        if task is None:  # unchanged, a copy, or moved: records may have been touched
            save_library(library, load_vectors(library, embed))
            return report
    result = captioned(analyse_file(task), caption)  # outside the lock: paid network calls
    with lock:  # read again: other workers stored their files meanwhile
        library = load_library(folder)
        vectors = load_vectors(library, embed)
        _store(library, vectors, task, result, embed, report)
        save_library(library, vectors)
    return report


def _footage_files(paths: Sequence[Path], report: FootageAddReport
                   ) -> Iterator[tuple[Path, Path | None]]:
    """(file, the folder it was found under) for every candidate; what cannot be footage is
    reported (hidden files and sidecars are passed over quietly)."""
    seen: set[Path] = set()
    for given in paths:
        given = given.expanduser().resolve()
        candidates: list[tuple[Path, Path | None]]
        if given.is_dir():
            candidates = [(p, given) for p in sorted(given.rglob("*"))
                          if p.is_file() and not any(part.startswith(".")
                                                     for part in p.relative_to(given).parts)]
            quiet = True
        elif given.is_file():
            candidates, quiet = [(given, None)], False
        else:
            report.failed.append(FailedFile(str(given), "no such file or folder"))
            continue
        for path, root in candidates:
            if path in seen:
                continue
            seen.add(path)
            if kind_of(path) is not None:
                yield path, root
            elif not (quiet and path.suffix.lower() in SIDECAR_SUFFIXES):
                report.failed.append(FailedFile(
                    str(path), f"unsupported file type {path.suffix or '(no extension)'} — "
                    "add videos (mp4, mov, mkv, webm…) or pictures (jpg, png, webp, heic…)"))


def _forget_missing(library: FootageLibrary, vectors: VectorIndex, paths: Sequence[Path],
                    report: FootageAddReport) -> None:
    """Files indexed from a folder being added again that are no longer there."""
    folders = [p.expanduser().resolve() for p in paths if p.expanduser().is_dir()]
    for recorded in list(library.files):
        path = Path(recorded)
        if any(path.is_relative_to(f) for f in folders) and not path.exists():
            vectors.remove(library.remove_file(recorded))
            report.removed.append(recorded)


def _task_if_changed(library: FootageLibrary, pending: dict[str, str], path: Path,
                     root: Path | None, transcribe: bool,
                     report: FootageAddReport) -> FileTask | None:
    """The work for a new or changed file; None (and the report says why) for the rest."""
    key = str(path)
    try:
        stat = path.stat()
        record = library.files.get(key)
        wants_words = transcribe and kind_of(path) == "video"
        if record is not None and _heard_enough(record, wants_words) \
                and (record.size, record.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            report.skipped.append(key)
            return None
        digest = content_hash(path)
    except OSError as exc:
        report.failed.append(FailedFile(key, f"cannot be read ({exc.strerror or exc})"))
        return None
    if record is not None and record.content_hash == digest \
            and _heard_enough(record, wants_words):
        record.size, record.mtime_ns = stat.st_size, stat.st_mtime_ns  # touched, not changed
        report.skipped.append(key)
        return None
    same = library.file_with_hash(digest)
    if same is not None and same.path != key and _heard_enough(same, wants_words):
        if Path(same.path).exists():  # a copy: one set of shots (shot ids are by content)
            report.skipped.append(key)
            report.warnings.append(FailedFile(key, f"same content as {same.path}; indexed once"))
        else:  # moved or renamed
            _move(library, same, key, stat.st_size, stat.st_mtime_ns)
            report.skipped.append(key)
        return None
    earlier = pending.get(digest)
    if earlier is not None:  # a copy of a file this run indexes
        report.skipped.append(key)
        report.warnings.append(FailedFile(key, f"same content as {earlier}; indexed once"))
        return None
    pending[digest] = key
    return FileTask(path, root, digest, transcribe, library.thumbs)


def _heard_enough(record: FootageFile, wants_words: bool) -> bool:
    """False when this run listens to sound an earlier ``--no-transcribe`` run did not, or
    describes shots in more ways than the run that indexed the file."""
    if record.analysis < ANALYSIS_VERSION:
        return False
    return record.transcribed or not record.has_audio or not wants_words


def _move(library: FootageLibrary, record: FootageFile, new_path: str, size: int,
          mtime_ns: int) -> None:
    """A file renamed or moved: same shots, new source (its vectors are unchanged)."""
    del library.files[record.path]
    record.path, record.size, record.mtime_ns = new_path, size, mtime_ns
    library.files[new_path] = record
    for shot_id in record.shot_ids:
        library.shots[shot_id] = replace(library.shots[shot_id], source=new_path)


def _store(library: FootageLibrary, vectors: VectorIndex, task: FileTask, result: FileResult,
           embed: Embed, report: FootageAddReport) -> None:
    key = str(task.path)
    if result.problem or not result.shots:
        report.failed.append(FailedFile(key, result.problem or "no usable picture in it"))
        return
    embedded = embed([shot.description for shot in result.shots])
    stat = task.path.stat()
    vectors.remove(library.remove_file(key, keep_hash=task.content_hash))
    record = FootageFile(path=key, content_hash=task.content_hash, size=stat.st_size,
                         mtime_ns=stat.st_mtime_ns, kind=result.shots[0].kind,
                         duration_s=round(result.duration_s, 4), has_audio=result.has_audio,
                         transcribed=task.transcribe and result.shots[0].kind == "video",
                         analysis=ANALYSIS_VERSION)
    ids = library.add_file(record, result.shots)
    vectors.add(ids, embedded)
    report.added.append(key)
    report.shots_added += len(ids)
    report.warnings += [FailedFile(key, w) for w in result.warnings]
