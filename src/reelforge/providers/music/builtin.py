"""The built-in catalog: 28 royalty-free, mood-tagged tracks from `immich-memories-music` (MIT).

The package's licence file lists each track's BPM, key and tags; the folder is the mood. This
source picks by mood words in the query; semantic search over all songs lives in ``semantic.py``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from reelforge.domain import Track
from reelforge.errors import DependencyMissing
from reelforge.providers.base import MusicRequest, ScoredTrack
from reelforge.settings import Settings

LICENCE = (
    "MIT (immich-memories-music; generated locally with ACE-Step 1.5, no attribution required)"
)
_LINE = re.compile(
    r"^\s*(\S+\.opus)\s+(\d+)\s+bpm\s+(\S+\s+(?:major|minor))\s+seed\s+\d+\s+\[(.*)\]"
)
# Words in a music brief that point at each mood folder.
MOOD_WORDS: dict[str, set[str]] = {
    "calm": {
        "calm",
        "peaceful",
        "relaxed",
        "gentle",
        "soft",
        "ambient",
        "quiet",
        "curious",
        "light",
    },
    "energetic": {
        "energetic",
        "upbeat",
        "punchy",
        "driving",
        "fast",
        "intense",
        "dramatic",
        "epic",
    },
    "happy": {"happy", "bright", "cheerful", "joyful", "hopeful", "confident", "fun", "positive"},
    "nostalgic": {
        "nostalgic",
        "cinematic",
        "emotional",
        "wistful",
        "melancholic",
        "sad",
        "mysterious",
    },
    "tender": {"tender", "warm", "romantic", "intimate", "heartfelt", "sweet", "piano"},
}


def _licence_rows() -> dict[str, tuple[float, str, list[str]]]:
    try:
        dist = metadata.distribution("immich-memories-music")
    except metadata.PackageNotFoundError:
        return {}
    rows: dict[str, tuple[float, str, list[str]]] = {}
    for file in dist.files or []:
        if file.name == "LICENSE-MUSIC":
            for line in Path(str(file.locate())).read_text(encoding="utf-8").splitlines():
                m = _LINE.match(line)
                if m:
                    rows[m.group(1)] = (float(m.group(2)), m.group(3), m.group(4).split(","))
    return rows


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


@lru_cache(maxsize=1)
def builtin_tracks() -> tuple[Track, ...]:
    """Every built-in track with its metadata (probed once per process)."""
    try:
        from immich_memories_music import tracks_dir
    except ImportError as exc:
        raise DependencyMissing(
            "the built-in music catalog is not installed",
            hint="reinstall with `make install` (immich-memories-music)",
        ) from exc
    rows = _licence_rows()
    tracks = []
    for path in sorted(Path(tracks_dir()).glob("*/*.opus")):
        bpm, key, tags = rows.get(path.name, (None, None, []))
        mood = path.parent.name
        tracks.append(
            Track(
                id=f"builtin:{mood}/{path.stem}",
                title=path.stem.replace("_", " ").title(),
                artist="immich-memories-music",
                source="builtin",
                path=str(path),
                duration_s=_duration(path),
                moods=[mood],
                tags=[t.strip() for t in tags if t.strip()],
                bpm=bpm,
                key=key,
                licence=LICENCE,
                usable_as_audio=True,
            )
        )
    return tuple(tracks)


def mood_scores(query: str) -> dict[str, float]:
    words = set(re.findall(r"[a-z]+", query.lower()))
    return {mood: float(len(words & vocab)) for mood, vocab in MOOD_WORDS.items()}


class BuiltinCatalog:
    """MusicSource over the built-in tracks: mood words in the query, then duration, then name."""

    name = "builtin-catalog"
    version = "1"

    @classmethod
    def from_settings(cls, settings: Settings) -> BuiltinCatalog:
        return cls()

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        scores = mood_scores(request.query)
        for mood in request.moods:
            scores[mood] = scores.get(mood, 0.0) + 2.0
        ranked = []
        for track in builtin_tracks():
            if track.duration_s < request.min_duration_s:
                continue
            mood = track.moods[0]
            score = scores.get(mood, 0.0) + (0.25 if "acoustic" in track.tags else 0.0)
            reason = (
                f"mood '{mood}' matches the brief" if scores.get(mood) else "closest available mood"
            )
            ranked.append(ScoredTrack(track=track, score=score, reason=reason))
        ranked.sort(key=lambda s: (-s.score, s.track.id))
        return ranked[: request.limit]
