"""The score step: the plan's music brief becomes one usable track and where to start it.

Candidates come from the music source ranked by meaning (the brief plus every scene's mood).
Each is then placed under the video: the start is a beat after any intro silence, chosen so the
video ends on a musical boundary (the song's own ending, or a beat at a low-energy point, never
mid-note), with looping when the song is shorter than the video. How well the placement fits
(energy that never drops out, no loop, a clean ending) adds to the search score, and the
MusicChoice's reason records the query, the scores, the placement and the song's features.
Assembly then plays the track from ``start_s``, looping, with a fade in and out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelforge.domain import MusicChoice, Plan
from reelforge.providers.base import MusicRequest, MusicSource, ScoredTrack

FIT_WEIGHT = 0.15  # a perfect placement is worth this much cosine similarity
CANDIDATES = 10
BEAT_TOLERANCE_S = 0.06
DROPOUT_LEVEL = 0.15  # a second quieter than this (of the loudest second) is a drop-out


@dataclass(frozen=True)
class Placement:
    """Where a track sits under a video of a given length, and how well it fits there."""

    start_s: float
    end_in_track_s: float  # where in the song the video ends
    loops: int  # how many times playback wraps to the song's start
    fit: float  # 0..1
    ending: str  # how the video's end meets the music, in words


def place_track(features: dict[str, Any] | None, track_s: float, video_s: float) -> Placement:
    """The best start for a song under a video (pure: features in, placement out).

    Candidate starts are 0 (the song's own opening) and every beat in its first part; the end
    position is scored for landing on the song's ending or on a beat whose energy is low.
    """
    if not features or track_s <= 0:
        loops = int(video_s // track_s) if track_s > 0 else 0
        return Placement(0.0, video_s % track_s if track_s else 0.0, loops,
                         0.5 if loops == 0 else 0.3, "unknown boundary (no analysis)")
    beats = [float(b) for b in features.get("beat_times") or []]
    curve = [float(e) for e in features.get("energy_curve") or []]
    intro = float(features.get("intro_silence_s") or 0.0)
    outro = float(features.get("outro_silence_s") or 0.0)
    music_end = max(0.0, track_s - outro)

    if music_end - intro >= video_s:  # fits without looping: any beat that leaves room
        starts = [intro] + [b for b in beats if intro <= b <= music_end - video_s]
    else:  # must loop: any beat may start it, which moves where the video's end falls
        starts = [intro] + [b for b in beats if b >= intro]
    best: Placement | None = None
    for start in starts:
        placement = _score_start(start, beats, curve, track_s, music_end, video_s)
        if best is None or placement.fit > best.fit + 1e-9:
            best = placement
    assert best is not None
    return best


def _score_start(start: float, beats: list[float], curve: list[float], track_s: float,
                 music_end: float, video_s: float) -> Placement:
    remaining = music_end - start
    if remaining >= video_s:
        loops, end = 0, start + video_s
    else:  # playback wraps to 0 (assembly loops the whole file) after reaching the file's end
        over = video_s - (track_s - start)
        loops = 1 + int(max(0.0, over) // track_s)
        end = max(0.0, over) % track_s
    coverage = _energy_coverage(curve, start, video_s, track_s)
    natural_end = loops == 0 and abs(end - music_end) <= 1.0
    on_beat = any(abs(end - b) <= BEAT_TOLERANCE_S for b in beats)
    level = _energy_at(curve, end)
    if natural_end:
        boundary, ending = 1.0, f"ends with the song's own ending at {end:.1f} s"
    elif on_beat:
        boundary = 0.55 + 0.4 * (1.0 - level)
        ending = f"ends on a beat at {end:.1f} s in the song (energy {level:.2f})"
    else:
        boundary = 0.25 * (1.0 - level)
        ending = f"ends between beats at {end:.1f} s in the song (faded out)"
    fit = 0.45 * coverage + 0.35 * boundary + 0.2 * (1.0 if loops == 0 else 0.4)
    return Placement(round(start, 3), round(end, 3), loops, round(fit, 4), ending)


def _energy_at(curve: list[float], t: float) -> float:
    if not curve:
        return 0.5
    return curve[min(len(curve) - 1, max(0, int(t)))]


def _energy_coverage(curve: list[float], start: float, video_s: float, track_s: float) -> float:
    """Share of the video's seconds whose music is not a drop-out (looping wraps to 0)."""
    if not curve:
        return 0.5
    seconds = max(1, round(video_s))
    loud = 0
    for i in range(seconds):
        position = start + i
        if position >= track_s:
            position = (position - track_s) % track_s
        loud += _energy_at(curve, position) >= DROPOUT_LEVEL
    return loud / seconds


def _candidates(source: MusicSource, request: MusicRequest) -> list[tuple[ScoredTrack, Any]]:
    """Ranked tracks with their analysed features when the source has them."""
    search_hits = getattr(source, "search_hits", None)
    if callable(search_hits):
        from reelforge.providers.music.semantic import reason_for

        return [(ScoredTrack(track=h.track, score=h.score, reason=reason_for(h, request)),
                 h.features) for h in search_hits(request)]
    return [(c, None) for c in source.search(request)]


def choose_music(plan: Plan, duration_s: float, source: MusicSource) -> MusicChoice | None:
    """The best track that may be used as audio; None when the source has nothing usable."""
    moods = tuple(dict.fromkeys([plan.mood, *(s.mood for s in plan.scenes)]))
    request = MusicRequest(query=plan.music_brief, moods=moods, limit=CANDIDATES,
                           usable_only=True)
    best: tuple[float, ScoredTrack, Placement, Any] | None = None
    for candidate, features in _candidates(source, request):
        track = candidate.track
        if not (track.usable_as_audio and track.path):
            continue
        placement = place_track(features, track.duration_s, duration_s)
        total = candidate.score + FIT_WEIGHT * placement.fit
        if best is None or total > best[0]:
            best = (total, candidate, placement, features)
    if best is None:
        return None
    total, candidate, placement, features = best
    return MusicChoice(track=candidate.track, query=plan.music_brief, score=round(total, 4),
                       reason=_reason(candidate, placement, features, duration_s),
                       start_s=placement.start_s)


def _reason(candidate: ScoredTrack, placement: Placement, features: Any,
            video_s: float) -> str:
    track = candidate.track
    parts = [f"search score {candidate.score:.3f} ({candidate.reason})",
             f"placement fit {placement.fit:.2f}: starts at {placement.start_s:.1f} s, "
             f"{placement.ending}"]
    if placement.loops:
        parts.append(f"looped {placement.loops}× (song {track.duration_s:.1f} s < video "
                     f"{video_s:.1f} s)")
    if features:
        parts.append(
            f"features: {track.bpm or features.get('bpm', 0):.0f} BPM, {track.key or ''}, "
            f"{features.get('loudness_lufs', 0):.1f} LUFS, "
            f"dynamic range {features.get('dynamic_range_db', 0):.1f} dB"
        )
    parts.append(f"licence: {track.licence}" if track.licence else "licence: unknown")
    return "; ".join(parts)
