"""Groups of similar songs, named by the tags most of their members share.

Each song is its description embedding plus a few measured features (tempo, brightness, note
density, loudness, mode), so groups reflect both what a song is said to be and how it sounds.
The clustering itself is the shared ``media.clustering`` (HDBSCAN, k-means when HDBSCAN finds no
structure).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from reelforge.media.clustering import Method, cluster_descriptors
from reelforge.media.embeddings import vector_from_bytes
from reelforge.store.songs import Song

#: Weight of the measured features against the 384 embedding dimensions.
FEATURE_WEIGHT = 4.0


@dataclass
class SongGroup:
    """One group: a name from its commonest tags, its members, and a typical tempo."""

    label: int
    name: str
    song_ids: list[int] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    top_tags: list[tuple[str, int]] = field(default_factory=list)
    median_bpm: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "name": self.name, "size": len(self.song_ids),
                "song_ids": self.song_ids, "titles": self.titles,
                "top_tags": [{"tag": t, "count": n} for t, n in self.top_tags],
                "median_bpm": self.median_bpm}


def song_descriptors(songs: list[Song]) -> np.ndarray:
    """One row per song: its embedding, then its scaled measured features."""
    rows = []
    for song in songs:
        vector = vector_from_bytes(song.embedding) if song.embedding else np.zeros(384, np.float32)
        f = song.features or {}
        measured = np.array([
            (song.bpm or f.get("bpm") or 0.0) / 200.0,
            float(f.get("brightness_hz", 0.0)) / 4000.0,
            float(f.get("onset_density", 0.0)) / 10.0,
            (float(f.get("loudness_lufs", -30.0)) + 30.0) / 30.0,
            1.0 if (song.musical_key or "").endswith("major") else 0.0,
        ], dtype=np.float32)
        rows.append(np.concatenate([vector, measured * FEATURE_WEIGHT / np.sqrt(measured.size)]))
    return np.vstack(rows) if rows else np.zeros((0, 389), dtype=np.float32)


def group_songs(
    songs: list[Song], *, min_size: int = 3, method: Method = "auto"
) -> tuple[list[SongGroup], list[int], str]:
    """(groups largest first, ids of songs in no group, the method that was used)."""
    songs = [s for s in songs if s.embedding]
    if not songs:
        return [], [], "empty"
    result = cluster_descriptors(song_descriptors(songs), min_cluster_size=min_size, method=method)
    groups = []
    for label in sorted(set(result.labels.tolist()) - {-1}):
        members = [songs[i] for i in result.members(label)]
        groups.append(_named_group(label, members))
    outliers = [songs[i].id for i in result.outliers]
    groups.sort(key=lambda g: -len(g.song_ids))
    return groups, outliers, result.method


def _named_group(label: int, members: list[Song]) -> SongGroup:
    counts = Counter(tag for song in members for tag in song.tags)
    top = counts.most_common(3)
    shared = [tag for tag, n in top if n >= max(1, len(members) // 2)] or [t for t, _ in top[:1]]
    bpms = [s.bpm for s in members if s.bpm]
    return SongGroup(
        label=label, name=" · ".join(shared) or "untagged",
        song_ids=[s.id for s in members], titles=[s.title for s in members], top_tags=top,
        median_bpm=round(float(np.median(bpms)), 1) if bpms else None,
    )
