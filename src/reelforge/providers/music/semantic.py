"""A MusicSource that finds songs by meaning in the indexed catalog (built-in + the user's songs).

The request's text is embedded and ranked against every song's description; hard constraints
(usable as audio, minimum duration) are applied before ranking, and the request's moods nudge
songs tagged with them upwards. The built-in catalog is analysed and indexed on first use.
"""

from __future__ import annotations

import hashlib

from reelforge.providers.base import MusicRequest, ScoredTrack
from reelforge.providers.music.catalog import SongCatalog, SongHit
from reelforge.settings import Settings
from reelforge.store.songs import SongFilter


class SemanticMusicSource:
    """Semantic search over the song catalog, behind the MusicSource Protocol."""

    engine_version = "1"

    def __init__(self, catalog: SongCatalog, sources: tuple[str, ...] = (),
                 tenant_id: int | None = None) -> None:
        self.catalog = catalog
        self.sources = sources  # () = every source; ("builtin",) = the built-in catalog only
        self.tenant_id = tenant_id  # whose uploaded songs join the shared ones (None: none)

    @property
    def name(self) -> str:
        return "semantic-catalog" if self.sources == ("builtin",) else "semantic"

    @property
    def version(self) -> str:
        """The engine version plus the catalog's state: adding songs can change the best
        answer to the same brief, so a cached score step must not be reused across it."""
        self.catalog.ensure_builtin()
        fingerprint = self.catalog.index().fingerprint
        return f"{self.engine_version}+{hashlib.sha1(fingerprint.encode()).hexdigest()[:10]}"

    @classmethod
    def from_settings(cls, settings: Settings,
                      sources: tuple[str, ...] = ()) -> SemanticMusicSource:
        return cls(SongCatalog(settings), sources, settings.songs_tenant_id)

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        """Best tracks for the request, best first (empty when nothing passes the filters)."""
        hits = self.search_hits(request)
        return [ScoredTrack(track=h.track, score=h.score, reason=reason_for(h, request))
                for h in hits]

    def search_hits(
        self, request: MusicRequest, *, extra: SongFilter | None = None
    ) -> list[SongHit]:
        """Like ``search`` but with each hit's features and description (the score step fits
        the energy curve from them)."""
        self.catalog.ensure_builtin()
        query = request.query
        if request.moods:
            query = f"{query}. Mood: {', '.join(request.moods)}"
        song_filter = SongFilter(
            usable_only=request.usable_only,
            min_duration_s=request.min_duration_s,
            sources=extra.sources if extra and extra.sources else self.sources,
            max_duration_s=extra.max_duration_s if extra else None,
            bpm_min=extra.bpm_min if extra else None,
            bpm_max=extra.bpm_max if extra else None,
            tags=extra.tags if extra else (),
            tenant_id=self.tenant_id,
        )
        return self.catalog.search(
            query, k=max(1, request.limit), song_filter=song_filter, boost_tags=request.moods
        )


def reason_for(hit: SongHit, request: MusicRequest) -> str:
    """Why a song was picked, in one line a person can check."""
    matched = [m for m in request.moods if m.lower() in hit.track.tags]
    parts = [f"cosine {hit.similarity:.3f} to “{request.query}”"]
    if matched:
        parts.append(f"tagged {', '.join(matched)}")
    parts.append(f"described as “{hit.description}”")
    return "; ".join(parts)
