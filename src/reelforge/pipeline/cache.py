"""The step cache: a finished step's output, stored under a hash of what produced it.

key = sha256(step, engine, engine version, inputs). An entry is a folder holding the step's files
and ``value.json``. It is built in a temporary folder and renamed into place when complete, so a
crash leaves either nothing or a whole entry — never half of one — and a re-run or a resumed job
reuses it, so no paid call is made twice.

Entries live in the folder of a *scope*: a tenant's own (``tenant-<id>``), or ``local`` for the
CLI. A tenant never reads another's entries, so it never gets for nothing what another paid for
with its own provider keys. A scope with a key (a tenant that encrypts its artifacts) stores every
file of its entries sealed (AES-256-GCM, ``security.artifact_crypto``'s chunked format) and opens
them only when placing them in a job folder. Eviction and clean-up are in ``cache_upkeep``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from reelforge.errors import InputError
from reelforge.security.artifact_crypto import (
    HEADER,
    decrypt_range,
    encrypt_stream,
    is_encrypted,
    plaintext_size,
)
from reelforge.security.envelope import DecryptionFailed
from reelforge.settings import Settings

#: Where entries live under the cache folder (which other stores share: voice samples, the
#: Runware task journal), so eviction can never touch anything but step entries.
STEPS = "steps"
LOCAL = "local"
_SCOPE_NAME = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
_RESERVED = frozenset({"locks", "tmp"})


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
class CacheScope:
    """Whose entries a job reads and writes, and the key they are sealed with (None: plain).

    ``key`` is a tenant's step-cache key (``ArtifactKeys.for_step_cache``), set when the tenant
    encrypts its artifacts."""

    name: str = LOCAL
    key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not _SCOPE_NAME.match(self.name) or self.name in _RESERVED:
            raise InputError(f"invalid step cache scope {self.name!r}",
                             hint="3-63 lowercase letters, digits or '-', starting with a letter")
        if self.key is not None and len(self.key) != 32:
            raise InputError("a step cache key must be 32 bytes")

    @classmethod
    def of_tenant(cls, tenant_id: int, key: bytes | None = None) -> CacheScope:
        return cls(f"tenant-{tenant_id}", key)


@dataclass(frozen=True)
class CachedFile:
    """A file of a cache entry: what ``place`` copies (and opens, if sealed) into a job."""

    path: Path
    lock: Path
    key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CacheEntry:
    key: str
    folder: Path
    value: dict[str, Any]
    hit: bool
    lock: Path  # held shared while the entry is read or placed (eviction skips it then)
    sealing_key: bytes | None = field(default=None, repr=False)

    def file(self, name: str) -> CachedFile:
        return CachedFile(self.folder / name, self.lock, self.sealing_key)


class StepCache:
    """Step outputs on the local disk, one folder per entry, in the folder of one scope."""

    def __init__(self, root: Path, *, scope: CacheScope | None = None,
                 max_bytes: int | None = None) -> None:
        self.root = root
        self.scope = scope or CacheScope()
        self.folder = root / STEPS / self.scope.name
        self.max_bytes = max_bytes
        self.eviction: threading.Thread | None = None  # the last pass this cache started
        from reelforge.pipeline.cache_upkeep import clean_up_once

        clean_up_once(root)  # staging of killed steps and stale locks, once per process

    @classmethod
    def for_settings(cls, settings: Settings, scope: CacheScope | None = None) -> StepCache:
        """The cache a job uses: under ``settings.cache_dir``, bounded by REELFORGE_CACHE_MAX_GB."""
        return cls(settings.cache_dir, scope=scope,
                   max_bytes=int(settings.cache_max_gb * 1e9))

    def _folder(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def lock_path(self, key: str) -> Path:
        return self.folder / "locks" / f"{key}.lock"

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``, or None; a hit counts as a use for eviction (LRU)."""
        with locked(self.lock_path(key), shared=True):  # eviction waits for no reader
            return self._read(key)

    def _read(self, key: str) -> CacheEntry | None:
        folder = self._folder(key)
        try:
            raw = (folder / "value.json").read_bytes()
            os.utime(folder)  # the last access, which eviction orders by
        except FileNotFoundError:
            return None
        if is_encrypted(raw):
            if self.scope.key is None:
                return None  # sealed while the tenant encrypted; unreadable without its key
            try:
                raw = _open_bytes(self.scope.key, raw)
            except DecryptionFailed:
                return None  # altered, or sealed with another key: made anew
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return CacheEntry(key=key, folder=folder, value=value, hit=True,
                          lock=self.lock_path(key), sealing_key=self.scope.key)

    def get_or_make(self, key: str, make: Callable[[Path], dict[str, Any]]) -> CacheEntry:
        """The cached entry for ``key``, or run ``make(folder)`` to create it.

        ``make`` writes its files into the folder it is given and returns the JSON value.
        """
        found = self.get(key)
        if found is not None and (self.scope.key is None or _is_sealed(found.folder)):
            return found
        # One maker per key across threads and processes: a second job needing the same step
        # waits for the first and reuses its output instead of paying for the call again.
        with locked(self.lock_path(key)):
            found = self._read(key)
            if found is not None:
                if self.scope.key is not None and not _is_sealed(found.folder):
                    _seal_folder(self.scope.key, found.folder)  # made before encryption was on
                return found
            # unreadable (sealed while the tenant encrypted, or damaged): made anew
            shutil.rmtree(self._folder(key), ignore_errors=True)
            entry = self._make(key, make)
        if self.max_bytes is not None:
            from reelforge.pipeline.cache_upkeep import evict_when_due

            self.eviction = evict_when_due(self.root, self.max_bytes)
        return entry

    @contextlib.contextmanager
    def in_use(self, key: str) -> Iterator[None]:
        """Hold the entry: eviction skips an entry while anyone holds it (a shared lock)."""
        with locked(self.lock_path(key), shared=True):
            yield

    def _make(self, key: str, make: Callable[[Path], dict[str, Any]]) -> CacheEntry:
        # The staging name starts with the whole key: clean-up knows a staging folder is a
        # killed step's when nobody holds that key's lock.
        staging = self.folder / "tmp" / f"{key}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        try:
            value = make(staging)
            (staging / "value.json").write_text(json.dumps(value, indent=1), encoding="utf-8")
            if self.scope.key is not None:
                _seal_folder(self.scope.key, staging)
            final = self._folder(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:
                # Another process finished the same step first: keep its entry, drop ours.
                if self._read(key) is None:
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        entry = self._read(key)
        assert entry is not None
        return dataclasses.replace(entry, hit=False)


def _open_bytes(key: bytes, sealed: bytes) -> bytes:
    return b"".join(decrypt_range(key, io.BytesIO(sealed), 0, plaintext_size(sealed) - 1))


def _is_sealed(folder: Path) -> bool:
    try:
        with (folder / "value.json").open("rb") as handle:
            return is_encrypted(handle.read(HEADER.size))
    except FileNotFoundError:
        return False


def _seal_folder(key: bytes, folder: Path) -> None:
    """Replace every plain file of ``folder`` (recursively) by its sealed form."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as source:
            if is_encrypted(source.read(HEADER.size)):
                continue
            source.seek(0)
            sealed = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.sealing")
            with sealed.open("wb") as out:
                encrypt_stream(key, source, path.stat().st_size, out)
        os.replace(sealed, path)


@contextlib.contextmanager
def locked(path: Path, *, shared: bool = False) -> Iterator[None]:
    """An advisory lock (flock) on ``path``, released when the block ends or the process
    dies — a killed worker never leaves a step locked. Clean-up may delete a lock file nobody
    holds, so after locking we check the path still names our file, and lock again if not."""
    handle = _acquire(path, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    assert handle is not None
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def try_exclusive(path: Path) -> IO[bytes] | None:
    """The exclusive lock on ``path`` if nobody holds it now (else None); close to release."""
    return _acquire(path, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _acquire(path: Path, how: int) -> IO[bytes] | None:
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - the caller closes it to release the lock
        try:
            fcntl.flock(handle.fileno(), how)
        except BlockingIOError:
            handle.close()
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return handle
        handle.close()  # deleted (or replaced) while we waited: lock the file there now


def place(source: CachedFile | Path, target: Path) -> None:
    """Copy a cached file into a job folder (so editing a job's files never alters the cache),
    opening it if sealed. The entry is held while it is read, so eviction cannot remove it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, part)
    else:
        with locked(source.lock, shared=True), source.path.open("rb") as handle:
            os.utime(source.path.parent)  # a use: eviction orders by the last one
            head = handle.read(HEADER.size)
            if is_encrypted(head):
                if source.key is None:
                    raise InputError(f"the cached file {source.path.name} is sealed and this "
                                     "job has no key for it",
                                     hint="run the job again: the step will be made anew")
                with part.open("wb") as out:
                    for block in decrypt_range(source.key, handle, 0, plaintext_size(head) - 1):
                        out.write(block)
            else:
                handle.seek(0)
                with part.open("wb") as out:
                    shutil.copyfileobj(handle, out)
    os.replace(part, target)
