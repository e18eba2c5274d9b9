"""Keeping the step cache in bounds: least-recently-used eviction under REELFORGE_CACHE_MAX_GB,
and clean-up of what killed steps leave behind (staging folders, lock files).

An entry is never removed while in use. ``get`` and ``place`` hold its lock shared while they
read it, a step being made holds it exclusively, and eviction takes it exclusively *without
waiting*, skipping the entry when it cannot. Entries used in the last ``MIN_IDLE_S`` seconds are
kept as well: a job places an entry's files right after it finds the entry.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reelforge.pipeline.cache import STEPS, try_exclusive

MIN_IDLE_S = 600.0  # an entry used more recently than this is never evicted
EVICT_EVERY_S = 30.0  # at most one eviction pass per this long, across processes
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Upkeep:
    """What one pass removed, and the bytes the entries hold after it."""

    entries: int = 0
    staging: int = 0
    locks: int = 0
    freed_bytes: int = 0
    total_bytes: int = 0


def _is_key(name: str) -> bool:
    return len(name) == 64 and set(name) <= _HEX


def _size(folder: Path) -> int:
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(parent, name)).st_size
    return total


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _scopes(root: Path) -> list[Path]:
    return [p for p in _children(root / STEPS) if p.is_dir()]


def _entries(scope: Path) -> Iterator[Path]:
    for shard in _children(scope):
        if len(shard.name) == 2 and set(shard.name) <= _HEX:
            yield from (e for e in _children(shard) if _is_key(e.name))


def _remove(scope: Path, folder: Path) -> None:
    """Move ``folder`` out of sight in one rename (a reader sees all of it or none), then
    delete it."""
    gone = scope / "tmp" / f"{folder.name}-{uuid.uuid4().hex[:8]}"
    gone.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(folder, gone)
    except FileNotFoundError:
        return
    shutil.rmtree(gone, ignore_errors=True)


def clean_up(root: Path) -> Upkeep:
    """Remove staging folders of killed steps, lock files of no entry that nobody holds, and
    the entries of the old unscoped layout (``<root>/<ab>/<key>``, unreachable since scopes)."""
    staging = locks = 0
    for scope in _scopes(root):
        for folder in _children(scope / "tmp"):
            key = folder.name.split("-", 1)[0]
            held = try_exclusive(scope / "locks" / f"{key}.lock") if _is_key(key) else None
            if held is None and _is_key(key):
                continue  # its step is being made right now
            try:
                shutil.rmtree(folder, ignore_errors=True)
                staging += 1
            finally:
                if held is not None:
                    held.close()
        for lock in _children(scope / "locks"):
            key = lock.name.removesuffix(".lock")
            if _is_key(key) and (scope / key[:2] / key).exists():
                continue
            held = try_exclusive(lock)
            if held is not None:
                lock.unlink(missing_ok=True)
                held.close()
                locks += 1
    for legacy in _children(root):
        if legacy.name in ("tmp", "locks") or (
                len(legacy.name) == 2 and set(legacy.name) <= _HEX
                and all(_is_key(e.name) for e in _children(legacy))):
            shutil.rmtree(legacy, ignore_errors=True)
    return Upkeep(staging=staging, locks=locks)


def evict(root: Path, max_bytes: int, *, min_idle_s: float = MIN_IDLE_S) -> Upkeep:
    """Remove least recently used entries until they hold at most ``max_bytes`` (entries in
    use or used within ``min_idle_s`` stay, even if that leaves the cache over the bound)."""
    guard = try_exclusive(root / STEPS / ".evict.lock")
    if guard is None:
        return Upkeep()  # another process is evicting right now
    try:
        cleaned = clean_up(root)
        found = []
        for scope in _scopes(root):
            for folder in _entries(scope):
                try:
                    found.append((folder.stat().st_mtime, scope, folder, _size(folder)))
                except FileNotFoundError:
                    continue
        total = sum(f[3] for f in found)
        removed = freed = 0
        now = time.time()
        for used_at, scope, folder, size in sorted(found, key=lambda f: f[0]):
            if total <= max_bytes or now - used_at < min_idle_s:
                break
            lock = scope / "locks" / f"{folder.name}.lock"
            held = try_exclusive(lock)
            if held is None:
                continue  # being read or placed: in use
            try:
                if now - folder.stat().st_mtime < min_idle_s:
                    continue  # used since we looked
                _remove(scope, folder)
                lock.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
            finally:
                held.close()
            total, freed, removed = total - size, freed + size, removed + 1
        return Upkeep(entries=removed, staging=cleaned.staging, locks=cleaned.locks,
                      freed_bytes=freed, total_bytes=total)
    finally:
        guard.close()


def evict_when_due(root: Path, max_bytes: int) -> threading.Thread | None:
    """``evict`` in a background thread (a job never waits for it), at most once per
    ``EVICT_EVERY_S`` across all processes sharing ``root``; the thread, if one started."""
    marker = root / STEPS / ".evicted-at"
    try:
        if time.time() - marker.stat().st_mtime < EVICT_EVERY_S:
            return None
    except FileNotFoundError:
        marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    thread = threading.Thread(target=evict, args=(root, max_bytes), name="step-cache-evict",
                              daemon=True)  # killed mid-pass: clean-up finishes its removals
    thread.start()
    return thread


_cleaned: set[Path] = set()
_cleaned_lock = threading.Lock()


def clean_up_once(root: Path) -> None:
    """``clean_up`` the first time this process uses ``root`` (a worker's start)."""
    with _cleaned_lock:
        if root in _cleaned:
            return
        _cleaned.add(root)
    clean_up(root)
