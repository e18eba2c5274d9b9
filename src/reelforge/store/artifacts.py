"""Artifacts: finished files of a job (video, captions, manifest) in an fsspec store.

A local folder (``data_dir/artifacts``) by default, ``s3://bucket/prefix`` at scale (s3fs; the
endpoint comes from the usual AWS variables, e.g. ``AWS_ENDPOINT_URL`` for MinIO or moto). A
file is written under a temporary name and renamed, so readers never see half an artifact.
"""

from __future__ import annotations

import io
import mimetypes
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import fsspec
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.errors import InputError, NotFound
from reelforge.security import artifact_crypto as crypto
from reelforge.settings import Settings
from reelforge.store.db import Base
from reelforge.store.tenants import now


class Artifact(Base):
    """One stored file of a tenant's job; ``path`` is relative to the artifact store's root."""

    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"),
                                               nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    content_type: Mapped[str] = mapped_column(String(64), default="application/octet-stream")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


@dataclass(frozen=True)
class ArtifactStore:
    """Bytes by relative path, on any fsspec filesystem."""

    fs: Any  # fsspec.AbstractFileSystem
    root: str
    keys: Any = None  # security.artifact_crypto.ArtifactKeys: per-tenant encryption at rest

    def _full(self, path: str) -> str:
        if ".." in Path(path).parts or path.startswith("/"):
            raise InputError(f"invalid artifact path {path!r}")
        return f"{self.root.rstrip('/')}/{path}"

    def put_file(self, local: Path, path: str) -> int:
        """Upload ``local`` to ``path`` atomically; returns its size."""
        full = self._full(path)
        temporary = f"{full}.part-{uuid.uuid4().hex[:8]}"
        self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
        key = self.keys.for_writing(path) if self.keys else None  # tenant encrypts (issue 9)
        source = crypto.sealed_copy(key, local) if key else local
        try:
            self.fs.put_file(str(source), temporary)
        finally:
            if source != local:
                source.unlink(missing_ok=True)
        self.fs.mv(temporary, full)
        return local.stat().st_size

    def put_bytes(self, data: bytes, path: str) -> int:
        full = self._full(path)
        self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
        temporary = f"{full}.part-{uuid.uuid4().hex[:8]}"
        key = self.keys.for_writing(path) if self.keys else None  # tenant encrypts (issue 9)
        self.fs.pipe_file(temporary, crypto.seal_bytes(key, data) if key else data)
        self.fs.mv(temporary, full)
        return len(data)

    def size(self, path: str) -> int:
        return int(self.fs.size(self._full(path)))

    def read_range(self, path: str, start: int, end: int,
                   chunk: int = 256 * 1024) -> Iterator[bytes]:
        """Bytes ``start``..``end`` (inclusive) in chunks, for HTTP range responses."""
        with self.fs.open(self._full(path), "rb") as f:
            if crypto.is_encrypted(f.read(len(crypto.MAGIC))):  # issue 9: decrypt just the range
                yield from crypto.decrypt_range(crypto.read_key(self.keys, path), f, start, end)
                return
            f.seek(start)
            left = end - start + 1
            while left > 0:
                data = f.read(min(chunk, left))
                if not data:
                    break
                left -= len(data)
                yield data

    def read_bytes(self, path: str) -> bytes:
        data = bytes(self.fs.cat_file(self._full(path)))
        if crypto.is_encrypted(data):  # issue 9: a tenant's encrypted artifact
            size = crypto.plaintext_size(data)
            return b"".join(crypto.decrypt_range(crypto.read_key(self.keys, path),
                                                 io.BytesIO(data), 0, size - 1))
        return data

    def delete_prefix(self, prefix: str) -> None:
        full = self._full(prefix)
        if self.fs.exists(full):
            self.fs.rm(full, recursive=True)

    def reachable(self) -> None:
        """Raise if the store cannot be listed (for /readyz)."""
        self.fs.makedirs(self.root, exist_ok=True)
        try:
            self.fs.ls(self.root)
        except FileNotFoundError:
            # An object store has no empty folders: a fresh deployment's prefix holds nothing
            # yet, and that is fine as long as its bucket answers.
            self.fs.ls(self.root.split("/", 1)[0])


def open_artifact_store(settings: Settings) -> ArtifactStore:
    url = settings.artifact_url or str(settings.data_dir / "artifacts")
    try:
        fs, root = fsspec.core.url_to_fs(url, **crypto.s3_options(settings, url))
    except (ImportError, ValueError) as exc:
        raise InputError(f"cannot open the artifact store {url!r}: {exc}",
                         hint="set REELFORGE_ARTIFACT_URL to a folder or s3://bucket/prefix "
                              "(s3 needs the s3fs package)") from exc
    return ArtifactStore(fs=fs, root=root, keys=crypto.artifact_keys_for(settings))


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def record_artifact(session: Session, tenant_id: int, job_id: str | None, name: str, path: str,
                    size: int) -> Artifact:
    artifact = Artifact(tenant_id=tenant_id, job_id=job_id, name=name, path=path, size=size,
                        content_type=content_type_of(name), created_at=now())
    session.add(artifact)
    return artifact


def job_artifacts(session: Session, tenant_id: int, job_id: str) -> list[Artifact]:
    return list(session.scalars(select(Artifact).where(
        Artifact.tenant_id == tenant_id, Artifact.job_id == job_id).order_by(Artifact.name)))


def job_artifact(session: Session, tenant_id: int, job_id: str, name: str) -> Artifact:
    found = session.scalar(select(Artifact).where(
        Artifact.tenant_id == tenant_id, Artifact.job_id == job_id, Artifact.name == name))
    if found is None:
        raise NotFound(f"job {job_id!r} has no artifact {name!r}",
                       hint="GET /v1/jobs/{id} lists its artifacts once it has succeeded")
    return found


def storage_used(session: Session, tenant_id: int) -> int:
    """Bytes the tenant stores (job artifacts and uploaded library files)."""
    return int(session.scalar(select(func.coalesce(func.sum(Artifact.size), 0))
                              .where(Artifact.tenant_id == tenant_id)) or 0)
