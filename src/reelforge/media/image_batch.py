"""Analyse a folder of pictures: in parallel over cores, and incrementally.

A small SQLite cache in ``data_dir/images/analysis.sqlite`` remembers each file's result keyed by
(absolute path, size, mtime, analysis version), so a second run only decodes new or changed
files. Failures are cached too: an unchanged corrupt file is reported again without re-reading
it. Beside each result it keeps a small JPEG preview made from the same decode, so an HTML
report does not decode the pictures a second time. The metadata database is someone else's
concern; this cache can be deleted at any time.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.errors import InputError
from reelforge.media.image_files import (
    ANALYSIS_VERSION,
    DEFAULT_MAX_PIXELS,
    IMAGE_SUFFIXES,
    RAW_SUFFIXES,
    ImageAnalysis,
    UnreadableImage,
    analyze_decoded,
    decode_image,
    preview_jpeg,
)
from reelforge.media.parallel import results_as_finished
from reelforge.settings import Settings

Progress = Callable[[int, int], None]
_Outcome = tuple["_Job", "ImageAnalysis | SkippedImage", bytes | None]
COMMIT_EVERY = 200


@dataclass(frozen=True)
class SkippedImage:
    """A picture file that could not be analysed, and why."""

    path: str
    reason: str


@dataclass
class BatchResult:
    """Analyses and skips of one run; ``found == len(analyses) + len(skipped)`` always."""

    analyses: list[ImageAnalysis] = field(default_factory=list)
    skipped: list[SkippedImage] = field(default_factory=list)
    from_cache: int = 0
    cache_problem: str | None = None  # why the cache could not be used, if it could not

    @property
    def totals(self) -> dict[str, int]:
        return {
            "found": len(self.analyses) + len(self.skipped),
            "analysed": len(self.analyses),
            "skipped": len(self.skipped),
            "from_cache": self.from_cache,
            "decoded_now": len(self.analyses) + len(self.skipped) - self.from_cache,
        }


@dataclass(frozen=True)
class _Job:
    path: str
    size: int
    mtime_ns: int


def find_images(folder: Path) -> list[Path]:
    """Every picture file under ``folder`` (recursively, hidden entries ignored), sorted."""
    if not folder.exists():
        raise InputError(f"folder not found: {folder}", hint="check the path and try again")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder",
                         hint="pass the folder that holds your pictures")
    suffixes = IMAGE_SUFFIXES | RAW_SUFFIXES
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                found.append(Path(root) / name)
    return sorted(found)


def analyze_folder(
    folder: Path,
    settings: Settings,
    *,
    workers: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    include_gps: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BatchResult:
    """Analyse every picture under ``folder``; unchanged files come from the cache."""
    return analyze_paths(find_images(folder), settings, workers=workers, max_pixels=max_pixels,
                         include_gps=include_gps, use_cache=use_cache, progress=progress)


def analyze_paths(
    paths: Iterable[Path],
    settings: Settings,
    *,
    workers: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    include_gps: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BatchResult:
    """Analyse the given files (results keep the order of ``paths``)."""
    jobs: list[_Job] = []
    order: dict[str, int] = {}
    result = BatchResult()
    slots: list[ImageAnalysis | SkippedImage | None] = []
    for path in paths:
        absolute = str(path.absolute())
        if absolute in order:
            continue
        order[absolute] = len(slots)
        slots.append(None)
        try:
            stat = path.stat()
        except OSError as exc:
            slots[-1] = SkippedImage(absolute, f"cannot read file information ({exc.strerror})")
            continue
        jobs.append(_Job(absolute, stat.st_size, stat.st_mtime_ns))

    version = f"{ANALYSIS_VERSION}:{max_pixels}:{int(include_gps)}"
    cache = None
    if use_cache:
        cache_file = settings.data_dir / "images" / "analysis.sqlite"
        try:
            cache = _Cache(cache_file)
        except (OSError, sqlite3.Error) as exc:
            result.cache_problem = f"cache {cache_file} unusable ({exc}); analysing everything"
    todo: list[_Job] = []
    for job in jobs:
        cached = cache.get(job, version) if cache else None
        if cached is None:
            todo.append(job)
        else:
            slots[order[job.path]] = cached
            result.from_cache += 1

    total, done = len(slots), len(slots) - len(todo)
    if progress:
        progress(done, total)
    try:
        outcomes = _run(todo, workers, max_pixels, include_gps, previews=cache is not None)
        for job, outcome, preview in outcomes:
            slots[order[job.path]] = outcome
            if cache:
                cache.put(job, version, outcome, preview)
            done += 1
            if progress:
                progress(done, total)
    finally:
        if cache:
            cache.close()
            result.cache_problem = cache.problem

    for slot in slots:
        if isinstance(slot, ImageAnalysis):
            result.analyses.append(slot)
        elif isinstance(slot, SkippedImage):
            result.skipped.append(slot)
    return result


def _run(
    todo: list[_Job], workers: int | None, max_pixels: int, include_gps: bool, previews: bool
) -> Iterator[_Outcome]:
    """Analyse ``todo`` in worker processes (here, for one worker or few files), each outcome
    as soon as it exists, so the cache keeps what an interrupted run already did."""
    count = workers or os.cpu_count() or 1
    tasks = [(job, max_pixels, include_gps, previews) for job in todo]
    if len(todo) < 4:
        count = 1
    chunk = max(1, min(8, len(todo) // (count * 8)))
    for _, outcome in results_as_finished(_analyze_job, tasks, workers=count, chunksize=chunk):
        yield outcome


def _analyze_job(task: tuple[_Job, int, bool, bool]) -> _Outcome:
    """Analyse one file and (when it will be kept) make its report preview from the same decode."""
    job, max_pixels, include_gps, previews = task
    path = Path(job.path)
    try:
        decoded = decode_image(path, max_pixels=max_pixels, include_gps=include_gps)
        preview = preview_jpeg(decoded.rgb) if previews else None
        return job, analyze_decoded(path, decoded), preview
    except UnreadableImage as exc:
        return job, SkippedImage(job.path, exc.reason), None
    except Exception as exc:  # a bug on one odd file must not end a run of thousands
        reason = f"analysis failed: {type(exc).__name__}: {exc}"
        return job, SkippedImage(job.path, reason), None


def load_previews(settings: Settings, paths: Iterable[str]) -> dict[str, bytes]:
    """Report previews (JPEG bytes) kept by earlier runs, for files that have not changed since."""
    file = settings.data_dir / "images" / "analysis.sqlite"
    if not file.exists():
        return {}
    found: dict[str, bytes] = {}
    try:
        with closing(sqlite3.connect(file)) as db:
            for path in paths:
                try:
                    stat = Path(path).stat()
                except OSError:
                    continue
                row = db.execute(
                    "SELECT jpeg FROM preview WHERE path=? AND size=? AND mtime_ns=?",
                    (path, stat.st_size, stat.st_mtime_ns),
                ).fetchone()
                if row:
                    found[path] = bytes(row[0])
    except sqlite3.Error:
        return found  # the report then decodes the pictures itself
    return found


class _Cache:
    """path → (size, mtime, version, result) in one SQLite file; written by the parent only."""

    def __init__(self, file: Path) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(file)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS analysis (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, version TEXT, ok INTEGER, result TEXT)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS preview (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, jpeg BLOB)"
        )
        self._pending = 0
        self.problem: str | None = None

    def get(self, job: _Job, version: str) -> ImageAnalysis | SkippedImage | None:
        if self.problem:
            return None
        try:
            row = self._db.execute(
                "SELECT ok, result FROM analysis "
                "WHERE path=? AND size=? AND mtime_ns=? AND version=?",
                (job.path, job.size, job.mtime_ns, version),
            ).fetchone()
        except sqlite3.Error as exc:
            self.problem = f"cache unreadable ({exc}); analysing without it"
            return None
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[1])
        try:
            return ImageAnalysis.from_dict(data) if row[0] else SkippedImage(**data)
        except (TypeError, KeyError):
            return None  # written by an older layout: analyse again

    def put(self, job: _Job, version: str, outcome: ImageAnalysis | SkippedImage,
            preview: bytes | None = None) -> None:
        if self.problem:
            return
        ok = isinstance(outcome, ImageAnalysis)
        data = outcome.to_dict() if isinstance(outcome, ImageAnalysis) else vars(outcome)
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO analysis VALUES (?, ?, ?, ?, ?, ?)",
                (job.path, job.size, job.mtime_ns, version, int(ok), json.dumps(data)),
            )
            if preview:
                self._db.execute("INSERT OR REPLACE INTO preview VALUES (?, ?, ?, ?)",
                                 (job.path, job.size, job.mtime_ns, preview))
            self._pending += 1
            if self._pending >= COMMIT_EVERY:
                self._db.commit()
                self._pending = 0
        except sqlite3.Error as exc:  # e.g. locked by a concurrent run, or the disk is full
            self.problem = f"cache not updated ({exc}); results of this run are not remembered"

    def close(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error as exc:
            self.problem = self.problem or f"cache not updated ({exc})"
        finally:
            self._db.close()
