"""The score step: the plan's music brief becomes one usable track and where to start it."""

from __future__ import annotations

from reelforge.domain import MusicChoice, Plan
from reelforge.providers.base import MusicRequest, MusicSource


def choose_music(plan: Plan, duration_s: float, source: MusicSource) -> MusicChoice | None:
    """The best track that may be used as audio; None when the source has nothing usable."""
    moods = tuple(dict.fromkeys([plan.mood, *(s.mood for s in plan.scenes)]))
    request = MusicRequest(query=plan.music_brief, moods=moods, limit=10, usable_only=True)
    for candidate in source.search(request):
        track = candidate.track
        if track.usable_as_audio and track.path:
            loops = "" if track.duration_s >= duration_s else " (looped to fit)"
            return MusicChoice(track=track, query=plan.music_brief, score=candidate.score,
                               reason=candidate.reason + loops, start_s=0.0)
    return None
