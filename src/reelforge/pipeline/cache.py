"""The step cache: a finished step's output, stored under a hash of what produced it.

key = sha256(step, engine, engine version, inputs). An entry is a folder holding the step's files
and ``value.json``. It is built in a temporary folder and renamed into place when complete, so a
crash leaves either nothing or a whole entry — never half of one — and a re-run or a resumed job
reuses it, so no paid call is made twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _canonical({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Path):
        return str(value)
    return value


def step_key(step: str, engine: str, engine_version: str, inputs: Any) -> str:
    payload = json.dumps(
        {"step": step, "engine": engine, "version": engine_version, "inputs": _canonical(inputs)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    key: str
    folder: Path
    value: dict[str, Any]
    hit: bool

    def file(self, name: str) -> Path:
        return self.folder / name


class StepCache:
    """Content-addressed step outputs on the local disk (one folder per entry)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> CacheEntry | None:
        folder = self._folder(key)
        try:
            value = json.loads((folder / "value.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return CacheEntry(key=key, folder=folder, value=value, hit=True)

    def get_or_make(self, key: str, make: Callable[[Path], dict[str, Any]]) -> CacheEntry:
        """The cached entry for ``key``, or run ``make(folder)`` to create it.

        ``make`` writes its files into the folder it is given and returns the JSON value.
        """
        found = self.get(key)
        if found is not None:
            return found
        # One maker per key across threads and processes: a second job needing the same step
        # waits for the first and reuses its output instead of paying for the call again.
        with _key_lock(self.root / "locks" / f"{key}.lock"):
            found = self.get(key)
            if found is not None:
                return found
            return self._make(key, make)

    def _make(self, key: str, make: Callable[[Path], dict[str, Any]]) -> CacheEntry:
        staging = self.root / "tmp" / f"{key[:16]}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        try:
            value = make(staging)
            (staging / "value.json").write_text(json.dumps(value, indent=1), encoding="utf-8")
            final = self._folder(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:
                # Another process finished the same step first: keep its entry, drop ours.
                if self.get(key) is None:
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        entry = self.get(key)
        assert entry is not None
        return CacheEntry(key=key, folder=entry.folder, value=entry.value, hit=False)


@contextlib.contextmanager
def _key_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (flock) on ``path``, released when the block ends or the
    process dies — a killed worker never leaves a step locked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def place(source: Path, target: Path) -> None:
    """Copy a cached file into a job folder (so editing a job's files never alters the cache)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    shutil.copyfile(source, part)
    os.replace(part, target)
