"""What makes two files the same file: the SHA-256 of their bytes (names and dates aside).

The one definition: the footage library skips a file it holds already by it, and a tenant's
library holds one item per content by it (an upload of the same bytes is a duplicate)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def content_hash(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def hasher() -> hashlib._Hash:
    """The same digest, to feed while a stream is copied (an upload being spooled)."""
    return hashlib.sha256()
