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


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"), (b"BM", "image/bmp"), (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"), (b"OggS", "audio/ogg"),
)
#: The extension a file gets when its name has none (its type comes from its content).
EXTENSION_OF_TYPE = {
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
    "video/x-matroska": ".mkv", "video/x-msvideo": ".avi", "image/jpeg": ".jpg",
    "image/png": ".png", "image/gif": ".gif", "image/tiff": ".tif", "image/bmp": ".bmp",
    "image/webp": ".webp", "image/heic": ".heic", "image/avif": ".avif", "audio/mpeg": ".mp3",
    "audio/flac": ".flac", "audio/ogg": ".ogg", "audio/wav": ".wav", "audio/mp4": ".m4a",
    "audio/aac": ".aac",
}


def sniff_media_type(head: bytes) -> str | None:
    """The media type of a file from its leading bytes (``image/png``); None when it is not a
    video, picture or song we know."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio/mp4"
        if brand in _IMAGE_BRANDS:
            return "image/avif" if brand == b"avif" else "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM says so in its DocType
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"AVI ": "video/x-msvideo", b"WAVE": "audio/wav",
                b"WEBP": "image/webp"}.get(head[8:12])
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # QuickTime without ftyp
        return "video/quicktime"
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio / ADTS sync
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    return None


def sniff_kind(head: bytes) -> str | None:
    """"video", "image" or "audio" from a file's leading bytes; None when it is none of them."""
    media_type = sniff_media_type(head)
    return media_type.split("/")[0] if media_type else None


def check_content(name: str, claimed_kind: str, head: bytes) -> None:
    """Refuse an upload whose bytes are not the kind of media its file name says."""
    found = sniff_kind(head)
    if found != claimed_kind:
        what = f"a {found} file" if found else "not a video, picture or song we can read"
        raise MistypedUpload(f"{name!r} is named like a {claimed_kind} but its content is {what}",
                             hint="upload the original media file with its proper extension")


#: Characters with a meaning to shells, paths or headers; a name keeps every other letter.
_SPECIAL = frozenset('/\\:*?"<>|`$;&\'')
_UNSAFE_RUN = re.compile(r"_{2,}")


def _safe_character(c: str) -> str:
    category = unicodedata.category(c)
    if category[0] == "C" or category in ("Zl", "Zp") or c in _SPECIAL:
        return "_"  # control, format (e.g. right-to-left override), unassigned; specials
    return " " if category == "Zs" else c


def safe_filename(name: str, *, max_length: int = 100) -> str:
    """A display/storage label from a client's file name: no folders, no dot-only names, no
    control, invisible or shell characters; letters of every script and the extension are
    kept ("song ß 歌.wav" stays as it is, in Unicode NFC)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(_safe_character(c) for c in unicodedata.normalize("NFC", base))
    base = _UNSAFE_RUN.sub("_", base).strip(" .")
    if not base or set(base) <= {".", "_", " "}:
        base = "upload"
    if len(base) > max_length:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: max_length - len(suffix) - 1] + "." + suffix) if dot and len(suffix) < 10 \
            else base[:max_length]
    return base
