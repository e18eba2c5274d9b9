"""The built-in tracks' analysis, shipped with reelforge.

The built-in tracks are the same bytes on every install, so their features are too: a new data
folder (a user's first ``make``) takes them from ``builtin_features.json`` instead of decoding
and analysing 28 songs in worker processes (~15 CPU-s, most of a cold ``make``'s score step).
A track is taken only when its file is byte for byte the one analysed (size and SHA-256) and the
file was written by this ``ANALYSIS_VERSION``; any other track is analysed as before.

Regenerate after changing the analysis (bump ``ANALYSIS_VERSION``) or the music package:

    python -m reelforge.providers.music.builtin_features
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reelforge.domain import Track
from reelforge.media.audio_analysis import AudioFeatures
from reelforge.providers.music.song_analysis import ANALYSIS_VERSION, analyse_files

SHIPPED = Path(__file__).with_name("builtin_features.json")


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (the built-in tracks total ~16 MB: tens of milliseconds)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shipped_features(tracks: dict[str, Track], shipped: Path = SHIPPED) -> dict[str, AudioFeatures]:
    """The shipped features of every track in ``tracks`` whose file is the one analysed."""
    try:
        document = json.loads(shipped.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if document.get("analysis_version") != ANALYSIS_VERSION:
        return {}
    found: dict[str, AudioFeatures] = {}
    for key, entry in document.get("tracks", {}).items():
        track = tracks.get(key)
        if track is None or not track.path:
            continue
        path = Path(track.path)
        try:
            same = (path.stat().st_size == entry["size"]
                    and file_digest(path) == entry["sha256"])
        except (OSError, KeyError):
            continue
        if same:
            found[key] = AudioFeatures.from_dict(entry["features"])
    return found


def write_shipped(tracks: dict[str, Track], out: Path = SHIPPED, workers: int = 2) -> int:
    """Analyse every built-in track and write the shipped file; returns how many it holds."""
    keys = [key for key, track in tracks.items() if track.path]
    results = analyse_files([str(tracks[key].path) for key in keys], workers=workers)
    entries = {}
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, str):
            continue
        path = Path(str(tracks[key].path))
        entries[key] = {"size": path.stat().st_size, "sha256": file_digest(path),
                        "features": result.to_dict()}
    document = {"analysis_version": ANALYSIS_VERSION, "tracks": entries}
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(entries)


if __name__ == "__main__":
    from reelforge.providers.music.catalog import builtin_tracks

    print(f"{write_shipped(builtin_tracks())} tracks written to {SHIPPED}")
