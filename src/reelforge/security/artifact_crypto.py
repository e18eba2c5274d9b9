"""Encryption at rest for a tenant's artifacts (optional per tenant): AES-256-GCM in chunks.

A file is a 28-byte header (magic, nonce prefix, chunk size, plaintext size) followed by
chunks of ``chunk`` plaintext bytes, each sealed on its own with nonce = prefix ‖ index and
the header ‖ index as associated data. So a byte range is served by decrypting only the chunks
it touches (video scrubbing stays cheap), and reordering, truncating or splicing chunks fails
authentication. The key is derived from the tenant's data key (``derive_key(.., "artifacts")``);
files written before encryption was turned on stay readable (no magic → plain bytes).
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reelforge.security.envelope import DecryptionFailed, derive_key
from reelforge.settings import Settings

MAGIC = b"RFENC1\x00\x00"
HEADER = struct.Struct(">8s8sIQ")  # magic, nonce prefix, chunk size, plaintext size
TAG = 16
CHUNK = 64 * 1024


def is_encrypted(head: bytes) -> bool:
    return head[: len(MAGIC)] == MAGIC


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header: bytes, index: int) -> bytes:
    return header + struct.pack(">Q", index)


def encrypt_stream(key: bytes, source: IO[bytes], size: int, out: IO[bytes], *,
                   chunk: int = CHUNK) -> None:
    """Write the encrypted form of ``size`` bytes read from ``source`` to ``out``."""
    header = HEADER.pack(MAGIC, os.urandom(8), chunk, size)
    out.write(header)
    aead = AESGCM(key)
    prefix = header[8:16]
    index, left = 0, size
    while True:  # an empty file still gets one (empty) sealed chunk
        block = source.read(min(chunk, left))
        if len(block) != min(chunk, left):
            raise ValueError("the source ended before its declared size")
        out.write(aead.encrypt(_nonce(prefix, index), block, _aad(header, index)))
        left, index = left - len(block), index + 1
        if left == 0:
            return


def seal_bytes(key: bytes, data: bytes) -> bytes:
    import io

    out = io.BytesIO()
    encrypt_stream(key, io.BytesIO(data), len(data), out)
    return out.getvalue()


def sealed_copy(key: bytes, local: Path) -> Path:
    """An encrypted temporary copy of ``local`` beside it (the caller deletes it)."""
    target = local.with_name(f".{local.name}.{os.urandom(4).hex()}.enc")
    with local.open("rb") as source, target.open("wb") as out:
        encrypt_stream(key, source, local.stat().st_size, out)
    return target


def read_key(keys: ArtifactKeys | None, path: str) -> bytes:
    """The key for an encrypted file found at ``path`` (refuses clearly without a master key)."""
    if keys is None:
        raise DecryptionFailed(f"the artifact {path!r} is encrypted but no master key is set",
                               hint="set REELFORGE_MASTER_KEY or REELFORGE_MASTER_KEY_FILE")
    return keys.for_reading(path)


def plaintext_size(head: bytes) -> int:
    return int(HEADER.unpack(head[: HEADER.size])[3])


def decrypt_range(key: bytes, f: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    """Plaintext bytes ``start``..``end`` (inclusive) of the encrypted file ``f``."""
    f.seek(0)
    header = f.read(HEADER.size)
    _, prefix, chunk, size = HEADER.unpack(header)
    end = min(end, size - 1)
    aead = AESGCM(key)
    for index in range(start // chunk, end // chunk + 1):
        f.seek(HEADER.size + index * (chunk + TAG))
        sealed = f.read(min(chunk, size - index * chunk) + TAG)
        try:
            plain = aead.decrypt(_nonce(prefix, index), sealed, _aad(header, index))
        except InvalidTag:
            raise DecryptionFailed("an encrypted artifact did not authenticate",
                                   hint="it was altered, or the tenant's key changed") from None
        first = index * chunk
        yield plain[max(0, start - first): end - first + 1]


@dataclass
class ArtifactKeys:
    """Which tenants encrypt their artifacts, and their artifact keys (cached for ``ttl_s``,
    so turning encryption on or off reaches every process within seconds)."""

    settings: Settings
    ttl_s: float = 10.0
    _cache: dict[int, tuple[float, bytes | None, bool]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _lookup(self, tenant_id: int) -> tuple[bytes | None, bool]:
        with self._lock:
            hit = self._cache.get(tenant_id)
            if hit and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1], hit[2]
        from reelforge.security.envelope import master_key_from
        from reelforge.security.secrets_store import TenantKey, tenant_data_key
        from reelforge.store.db import open_database

        with open_database(self.settings).session() as session:
            row = session.get(TenantKey, tenant_id)
            data_key = (tenant_data_key(session, master_key_from(self.settings), tenant_id,
                                        create=False) if row is not None else None)
            on = bool(row and row.encrypt_artifacts)
        key = derive_key(data_key, "artifacts") if data_key else None
        with self._lock:
            self._cache[tenant_id] = (time.monotonic(), key, on)
        return key, on

    @staticmethod
    def tenant_of(path: str) -> int | None:
        first = path.split("/", 1)[0]
        return int(first) if first.isdigit() else None

    def for_writing(self, path: str) -> bytes | None:
        """The key to encrypt a new artifact at ``path`` with, or None (store it plain)."""
        tenant = self.tenant_of(path)
        if tenant is None:
            return None
        key, on = self._lookup(tenant)
        return key if on else None

    def for_step_cache(self, tenant_id: int) -> bytes | None:
        """The key the tenant's step cache entries are sealed with, or None when the tenant
        does not encrypt (a sub-key of its artifact key: one purpose, one key)."""
        key, on = self._lookup(tenant_id)
        return derive_key(key, "step-cache") if key and on else None

    def for_reading(self, path: str) -> bytes:
        tenant = self.tenant_of(path)
        key = self._lookup(tenant)[0] if tenant is not None else None
        if key is None:
            raise DecryptionFailed(f"no key to decrypt the artifact {path!r}")
        return key

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


def artifact_keys_for(settings: Settings) -> Any:
    """ArtifactKeys when a master key is configured, else None (nothing can be encrypted)."""
    if settings.master_key is None and settings.master_key_file is None:
        return None
    return ArtifactKeys(settings)


def set_artifact_encryption(session: Any, settings: Settings, tenant_id: int, on: bool) -> None:
    """Turn encryption of the tenant's new artifacts on or off (existing files stay readable)."""
    from reelforge.security.envelope import master_key_from
    from reelforge.security.secrets_store import TenantKey, tenant_data_key

    tenant_data_key(session, master_key_from(settings), tenant_id)  # made on first use
    row = session.get(TenantKey, tenant_id)
    row.encrypt_artifacts = on


def s3_options(settings: Settings, url: str) -> dict[str, Any]:
    """s3fs options asking S3 to encrypt every object it stores (server-side encryption)."""
    if not url.startswith("s3://") or settings.artifact_s3_sse is None:
        return {}
    extra: dict[str, str] = {"ServerSideEncryption": settings.artifact_s3_sse}
    if settings.artifact_s3_sse == "aws:kms" and settings.artifact_s3_kms_key_id:
        extra["SSEKMSKeyId"] = settings.artifact_s3_kms_key_id
    return {"s3_additional_kwargs": extra}
