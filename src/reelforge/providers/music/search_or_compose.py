"""The "auto" music engine: search the catalog and the user's library, compose when that fails.

A pair, not a merge: the score step (``pipeline/score.py``) searches with ``searcher`` and
decides, in one place, when the best match is too weak (below ``threshold`` cosine, or the mood
the brief names is one no song has) and the ``composer`` writes a piece instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelforge.providers.base import MusicRequest, MusicSource, ScoredTrack
from reelforge.providers.music.composer import Composer


@dataclass
class SearchOrCompose:
    searcher: MusicSource
    composer: Composer
    threshold: float

    name = "semantic+composer"

    @property
    def version(self) -> str:
        return f"{self.searcher.version}+{self.composer.version}@{self.threshold:g}"

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        """The searched songs (the Protocol's view; the score step also composes)."""
        return self.searcher.search(request)
