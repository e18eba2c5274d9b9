"""Envelope encryption: one master key (never stored in the database) wraps one data key per
tenant; data keys encrypt that tenant's secrets and, optionally, its artifacts.

AES-256-GCM everywhere (``cryptography``), a fresh 96-bit random nonce per message, and
*associated data* that names what a ciphertext belongs to (tenant, secret name), so a
ciphertext copied to another tenant's row does not decrypt. Rotating the master key only
re-wraps the data keys; nothing they encrypted is touched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reelforge.errors import DecryptionFailed, InputError
from reelforge.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12


class MasterKeyMissing(InputError):
    code = "master_key_missing"


@dataclass(frozen=True)
class MasterKey:
    """The key-encryption key. ``key_id`` (a hash prefix) says which key wrapped a data key."""

    key: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"reelforge-master-key-id" + self.key).hexdigest()[:16]


def new_key_text() -> str:
    """A fresh random master key as the base64 text REELFORGE_MASTER_KEY expects."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse_master_key(text: str) -> MasterKey:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise InputError("the master key must be 32 random bytes in base64",
                         hint="make one with `reelforge secrets new-master-key`")
    return MasterKey(key)


def master_key_from(settings: Settings) -> MasterKey:
    """The configured master key: REELFORGE_MASTER_KEY, else REELFORGE_MASTER_KEY_FILE."""
    if settings.master_key is not None:
        return parse_master_key(settings.master_key.get_secret_value())
    if settings.master_key_file is not None:
        path = Path(settings.master_key_file).expanduser()
        try:
            return parse_master_key(path.read_text())
        except OSError as exc:
            raise MasterKeyMissing(f"cannot read the master key file {path}: {exc.strerror}",
                                   hint="check REELFORGE_MASTER_KEY_FILE") from None
    raise MasterKeyMissing("no master key is configured, so tenant secrets cannot be stored",
                           hint="set REELFORGE_MASTER_KEY or REELFORGE_MASTER_KEY_FILE "
                                "(make one with `reelforge secrets new-master-key`)")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce ‖ AES-GCM(key, plaintext, aad) (the tag is the last 16 bytes)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("a stored ciphertext did not authenticate",
                               hint="wrong master key, or the row was altered or moved") from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap_data_key(master: MasterKey, data_key: bytes, tenant_id: int) -> bytes:
    return seal(master.key, data_key, f"reelforge:data-key:{tenant_id}".encode())


def unwrap_data_key(master: MasterKey, wrapped: bytes, tenant_id: int) -> bytes:
    return unseal(master.key, wrapped, f"reelforge:data-key:{tenant_id}".encode())


def secret_aad(tenant_id: int, name: str) -> bytes:
    return f"reelforge:secret:{tenant_id}:{name}".encode()


def derive_key(data_key: bytes, purpose: str) -> bytes:
    """A sub-key of a tenant's data key for one purpose (e.g. artifacts), HKDF-SHA256."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=f"reelforge:{purpose}".encode()).derive(data_key)
