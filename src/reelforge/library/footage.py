"""The seam between footage indexing and footage use: a shot described once, and a search.

Indexing (``reelforge footage add``) turns every video into shots and every picture into one
"shot", each with a description made of what is said in it, what it looks like and where it came
from; that description is embedded once. Making (``make --footage``) asks a ``FootageIndex`` for
the best shots for a scene's narration and visual prompt and chooses among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

FootageKind = Literal["video", "picture"]


@dataclass(frozen=True)
class FootageShot:
    """One usable piece of a creator's footage: a shot of a video or a whole picture.

    Times are in the source's seconds (a picture has ``start_s == end_s == 0``); ``width`` and
    ``height`` are the display size (sample aspect ratio applied).
    """

    shot_id: str  # stable: "<content hash of the file>#<shot number>"
    source: str  # the file's path (or storage location)
    kind: FootageKind
    start_s: float
    end_s: float
    width: int
    height: int
    description: str  # the text its vector was made from
    transcript: str = ""
    names: tuple[str, ...] = ()  # words from file/folder names, tags and sidecars
    colours: tuple[str, ...] = ()  # named colours, most present first
    brightness: float = 0.0  # 0..1
    motion: float = 0.0  # 0..1, mean frame-to-frame change
    sharpness: float = 0.0  # 0..1
    image_hash: int = 0  # 64-bit perceptual hash of the keyframe (near-duplicate check)
    keyframe_s: float = 0.0  # the representative instant (thumbnail)
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True)
class FootageMatch:
    """A shot found for a query: its similarity (cosine, −1..1) and why, in words."""

    shot: FootageShot
    score: float
    reason: str


class FootageIndex(Protocol):
    """Shots searchable by meaning; what ``make --footage`` needs of a library."""

    def __len__(self) -> int: ...

    def search(self, text: str, k: int = 10, *, kind: FootageKind | None = None,
               min_duration_s: float = 0.0) -> list[FootageMatch]:
        """The ``k`` shots most like ``text``, best first, filtered by kind and length."""
        ...

    def shot(self, shot_id: str) -> FootageShot | None:
        """The shot with this id (a swap names one), or None when the library lacks it."""
        ...


class Embed(Protocol):
    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class InMemoryFootageIndex:
    """Exact cosine search over a few thousand shots; the reference the FAISS index must match."""

    shots: list[FootageShot]
    vectors: np.ndarray  # (n, d) float32, L2-normalised, row i ↔ shots[i]
    embed: Embed

    def __len__(self) -> int:
        return len(self.shots)

    def shot(self, shot_id: str) -> FootageShot | None:
        return next((s for s in self.shots if s.shot_id == shot_id), None)

    def search(self, text: str, k: int = 10, *, kind: FootageKind | None = None,
               min_duration_s: float = 0.0) -> list[FootageMatch]:
        if not self.shots:
            return []
        query = self.embed([text])[0]
        scores = self.vectors @ query
        found = []
        for row in np.argsort(-scores):
            shot = self.shots[int(row)]
            if kind is not None and shot.kind != kind:
                continue
            if shot.kind == "video" and shot.duration_s < min_duration_s:
                continue
            found.append(FootageMatch(shot, float(scores[row]), f"like “{shot.description[:80]}”"))
            if len(found) == k:
                break
        return found
