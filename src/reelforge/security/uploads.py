"""Upload checks: what a file *is* comes from its first bytes, never from its name; the name a
client sent is reduced to a harmless label and never used as a path."""

from __future__ import annotations

import re
import unicodedata

from reelforge.errors import InputError

HEAD_BYTES = 64  # enough for every signature below

_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")
_IMAGE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif")


class MistypedUpload(InputError):
    """The file's content is not the kind of media its name claims (or no media at all)."""

    code = "unsupported_media"


def sniff_kind(head: bytes) -> str | None:
    """"video", "image" or "audio" from a file's leading bytes; None when it is none of them."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio"
        return "image" if brand in _IMAGE_BRANDS else "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return "video"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"AVI ": "video", b"WAVE": "audio", b"WEBP": "image"}.get(head[8:12])
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # QuickTime without ftyp
        return "video"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a",
                        b"II*\x00", b"MM\x00*", b"BM")):
        return "image"
    if head.startswith((b"ID3", b"fLaC", b"OggS")):
        return "audio"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio / ADTS sync
        return "audio"
    return None


def check_content(name: str, claimed_kind: str, head: bytes) -> None:
    """Refuse an upload whose bytes are not the kind of media its file name says."""
    found = sniff_kind(head)
    if found != claimed_kind:
        what = f"a {found} file" if found else "not a video, picture or song we can read"
        raise MistypedUpload(f"{name!r} is named like a {claimed_kind} but its content is {what}",
                             hint="upload the original media file with its proper extension")


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str, *, max_length: int = 100) -> str:
    """A display/storage label from a client's file name: no folders, no dot-only names, no
    control or shell characters; the extension is kept."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or set(base) <= {".", "_", " "}:
        base = "upload"
    if len(base) > max_length:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: max_length - len(suffix) - 1] + "." + suffix) if dot and len(suffix) < 10 \
            else base[:max_length]
    return base
