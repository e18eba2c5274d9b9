"""The user's own music folders: found, tagged, analysed once, kept in step with the disk.

A re-scan does no work for unchanged files (same size and mtime; or, when only the mtime moved,
the same content hash), analyses new and changed files in parallel worker processes, and drops
songs whose files are gone. A bad file (corrupt, empty, too big, an unsupported format, tags in
odd encodings that cannot be read) is skipped with one line saying why; the rest of the folder is
indexed, and the index is only replaced once the database holds every finished song.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.errors import InputError
from reelforge.media.audio_analysis import AudioFeatures
from reelforge.media.parallel import map_in_processes
from reelforge.providers.music.catalog import SongCatalog, SongInput
from reelforge.providers.music.description import inferred_moods
from reelforge.providers.music.song_analysis import analyse_file
from reelforge.store.songs import library_key, library_songs_under

AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".ogg", ".opus", ".oga", ".m4a"})
#: Audio formats people keep in music folders that reelforge does not read.
UNSUPPORTED_SUFFIXES = frozenset({".wma", ".ape", ".aac", ".alac", ".aif", ".aiff", ".mid",
                                  ".midi", ".ra", ".amr", ".dsf", ".dff", ".mka", ".wv"})
MAX_FILE_BYTES = 512 * 1024 * 1024
MIN_DURATION_S = 1.0
LIBRARY_LICENCE = "the user's own file (the user is responsible for its licence)"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class ScanReport:
    """What one scan of one folder did; every file found is counted exactly once."""

    root: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def found(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root, "found": self.found, "added": self.added,
            "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
        }


@dataclass
class _Candidate:
    path: str
    size: int
    mtime: float


def find_audio_files(root: Path) -> tuple[list[_Candidate], list[SkippedFile]]:
    """Audio files under ``root`` (recursive, hidden entries ignored) and the ones refused early."""
    found: list[_Candidate] = []
    skipped: list[SkippedFile] = []

    def unreadable(error: OSError) -> None:
        skipped.append(SkippedFile(str(error.filename or root),
                                   f"cannot read this folder: {error.strerror or error}"))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            suffix = os.path.splitext(name)[1].lower()
            if suffix in UNSUPPORTED_SUFFIXES:
                skipped.append(SkippedFile(path, f"unsupported format {suffix} (reelforge reads "
                                                 "mp3, wav, flac, ogg, opus and m4a)"))
                continue
            if suffix not in AUDIO_SUFFIXES:
                continue
            try:
                stat = os.stat(path)
            except OSError as exc:
                skipped.append(SkippedFile(path, f"cannot read it: {exc.strerror or exc}"))
                continue
            if stat.st_size == 0:
                skipped.append(SkippedFile(path, "empty file (0 bytes)"))
            elif stat.st_size > MAX_FILE_BYTES:
                skipped.append(SkippedFile(
                    path, f"too large ({stat.st_size / 2**20:.0f} MB; the limit is "
                          f"{MAX_FILE_BYTES / 2**20:.0f} MB)"))
            else:
                found.append(_Candidate(path, stat.st_size, stat.st_mtime))
    return found, skipped


def scan_folder(
    catalog: SongCatalog,
    root: Path,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> ScanReport:
    """Bring the catalog in step with one folder; see the module docstring for the rules."""
    root = Path(root).expanduser()
    if not root.exists():
        raise InputError(f"folder not found: {root}", hint="check the path and try again")
    if not root.is_dir():
        raise InputError(f"{root} is a file, not a folder", hint="pass the folder that holds it")
    root = root.resolve()
    report = ScanReport(root=str(root))
    candidates, report.skipped = find_audio_files(root)
    with catalog.db.session() as session:
        known = {row.path: row for row in library_songs_under(session, str(root))}
        todo: list[_Candidate] = []
        for cand in candidates:
            row = known.get(cand.path)
            if row is not None and row.file_size == cand.size and row.file_mtime == cand.mtime:
                report.unchanged += 1
                continue
            same_size = row is not None and row.file_size == cand.size
            if row is not None and same_size and row.content_hash == _hash(cand.path):
                row.file_mtime = cand.mtime  # touched, not changed: remember the new mtime
                report.unchanged += 1
                continue
            todo.append(cand)
        seen = {c.path for c in candidates}
        gone = [row.id for path, row in known.items() if path not in seen]
    results = _analyse_all([c.path for c in todo], workers, progress)
    inputs = []
    for cand, result in zip(todo, results, strict=True):
        if isinstance(result, str):
            report.skipped.append(SkippedFile(cand.path, result))
            continue
        features, tags, content_hash = result
        inputs.append(_song_input(root, cand, features, tags, content_hash))
        if cand.path in known:
            report.updated += 1
        else:
            report.added += 1
    if inputs:
        catalog.add(inputs)
    if gone:
        catalog.remove(gone)
        report.removed = len(gone)
    report.skipped.sort(key=lambda s: s.path)
    return report


def _song_input(
    root: Path, cand: _Candidate, features: AudioFeatures, tags: dict[str, str], content_hash: str
) -> SongInput:
    genre = tags.get("genre", "")
    tag_list = [genre] if genre else []
    tag_list += inferred_moods(features)
    return SongInput(
        key=library_key(cand.path), source="library",
        title=tags.get("title") or Path(cand.path).stem.replace("_", " "),
        artist=tags.get("artist", ""), album=tags.get("album", ""), genre=genre,
        duration_s=float(tags.get("length") or features.duration_s),
        path=cand.path, library_root=str(root), licence=LIBRARY_LICENCE, tags=tag_list,
        features=features, file_size=cand.size, file_mtime=cand.mtime, content_hash=content_hash,
    )


# --- per-file work (runs in worker processes) -------------------------------------------------

_FileResult = tuple[AudioFeatures, dict[str, str], str] | str


def analyse_song_file(path: str) -> _FileResult:
    """Features, tags and content hash of one file, or the reason it cannot be used."""
    features = analyse_file(path)
    if isinstance(features, str):
        return features
    if features.duration_s < MIN_DURATION_S:
        return f"too short ({features.duration_s:.1f} s)"
    try:
        content_hash = _hash(path)
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    return features, read_tags(path), content_hash


def _analyse_all(
    paths: Sequence[str], workers: int, progress: Progress | None
) -> list[_FileResult]:
    results: list[_FileResult] = map_in_processes(
        analyse_song_file, paths, workers=workers, progress=progress
    )
    if progress and not paths:
        progress(0, 0)
    return results


def _hash(path: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_tags(path: str) -> dict[str, str]:
    """title, artist, album, genre (and length in s) from the file's tags; missing or unreadable
    tags are simply absent — they never make a song unusable."""
    try:
        import mutagen

        audio = mutagen.File(path, easy=True)
    except Exception:  # damaged tags: the audio itself decoded fine, so keep the song
        return {}
    if audio is None:
        return {}
    tags: dict[str, str] = {}
    for name in ("title", "artist", "album", "genre"):
        try:
            values = audio.get(name) if audio.tags is not None else None
        except Exception:
            values = None
        if values:
            text = clean_tag(values[0] if isinstance(values, list) else values)
            if text:
                tags[name] = text
    length = getattr(getattr(audio, "info", None), "length", None)
    if length:
        tags["length"] = f"{float(length):.3f}"
    return tags


# A UTF-8 lead byte then continuation bytes, each read as one Latin-1 character ("Ã©" for "é").
_MOJIBAKE = re.compile("[\xc2-\xf4][\x80-\xbf]{1,3}")


def _repair_mojibake(match: re.Match[str]) -> str:
    try:
        return match.group().encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return match.group()


def clean_tag(value: object, max_chars: int = 300) -> str:
    """A tag as readable text: bytes decoded, UTF-8 read as Latin-1 repaired, control
    characters and unpaired surrogates removed, whitespace collapsed, length capped."""
    if isinstance(value, bytes):
        raw = value
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                value = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    text = _MOJIBAKE.sub(_repair_mojibake, str(value))
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:max_chars]
