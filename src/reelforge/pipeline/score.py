"""The score step: the plan's music brief becomes one usable track and where to start it.

Candidates come from the music source ranked by meaning (the brief plus every scene's mood).
Each is then placed under the video: the start is a beat after any intro silence, chosen so the
video ends on a musical boundary (the song's own ending, or a beat at a low-energy point, never
mid-note), with looping when the song is shorter than the video. How well the placement fits
(energy that never drops out, no loop, a clean ending) adds to the search score, and the
MusicChoice's reason records the query, the scores, the placement and the song's features.
Assembly then plays the track from ``start_s``, looping, with a fade in and out.
With the "auto" engine a weak match falls to the composer, which writes a piece for exactly
this video (its length, its scene boundaries, its narration); the reason says why.
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


@dataclass(frozen=True)
class Candidate:
    scored: ScoredTrack
    similarity: float  # cosine to the brief for semantic hits; the source's score otherwise
    features: Any


def _candidates(source: MusicSource, request: MusicRequest) -> list[Candidate]:
    """Ranked tracks with their analysed features when the source has them."""
    search_hits = getattr(source, "search_hits", None)
    if callable(search_hits):
        from reelforge.providers.music.semantic import reason_for

        return [Candidate(ScoredTrack(track=h.track, score=h.score,
                                      reason=reason_for(h, request)), h.similarity, h.features)
                for h in search_hits(request)]
    return [Candidate(c, c.score, None) for c in source.search(request)]


@dataclass(frozen=True)
class VideoForm:
    """What a composer fits: the video's length, its scene boundaries and narration spans."""

    duration_s: float
    sections_s: tuple[float, ...] = ()
    speech_s: tuple[tuple[float, float], ...] = ()
    seed: int = 0


def choose_music(plan: Plan, duration_s: float, source: MusicSource,
                 form: VideoForm | None = None) -> MusicChoice | None:
    """The best track that may be used as audio; None when the source has nothing usable.

    With the "auto" engine (``SearchOrCompose``) a weak best match, or a brief naming a mood no
    song has, is replaced by a piece composed for ``form``; the reason says which and why."""
    from reelforge.providers.music.composer import Composer
    from reelforge.providers.music.search_or_compose import SearchOrCompose

    form = form or VideoForm(duration_s)
    moods = tuple(dict.fromkeys([plan.mood, *(s.mood for s in plan.scenes)]))
    request = MusicRequest(query=plan.music_brief, moods=moods, limit=CANDIDATES,
                           usable_only=True, duration_s=round(form.duration_s, 3),
                           sections_s=form.sections_s, speech_s=form.speech_s, seed=form.seed)
    if isinstance(source, Composer):
        return _composed(source, request, "the composed engine was chosen")
    searcher = source.searcher if isinstance(source, SearchOrCompose) else source
    best: tuple[float, Candidate, Placement] | None = None
    usable: list[Candidate] = []
    for candidate in _candidates(searcher, request):
        track = candidate.scored.track
        if not (track.usable_as_audio and track.path):
            continue
        usable.append(candidate)
        placement = place_track(candidate.features, track.duration_s, duration_s)
        total = candidate.scored.score + FIT_WEIGHT * placement.fit
        if best is None or total > best[0]:
            best = (total, candidate, placement)
    weak = ""
    if isinstance(source, SearchOrCompose):
        weak = weak_match(plan.music_brief, usable, best[1] if best else None, source.threshold)
        if weak:
            from reelforge.errors import DependencyMissing

            try:
                return _composed(source.composer, request, weak)
            except DependencyMissing as exc:  # keep the searched song and say why
                weak = f"{weak}, but the composer is unavailable ({exc.message}: {exc.hint})"
    if best is None:
        return None
    total, candidate, placement = best
    reason = _reason(candidate.scored, placement, candidate.features, duration_s)
    return MusicChoice(track=candidate.scored.track, query=plan.music_brief,
                       score=round(total, 4), reason=f"{weak}; {reason}" if weak else reason,
                       start_s=placement.start_s)


def weak_match(brief: str, usable: list[Candidate], best: Candidate | None,
               threshold: float) -> str:
    """Why the searched music does not fit the brief, or "" when it does (the one place
    that decides when "auto" composes)."""
    from reelforge.providers.music.moods import named_mood

    if best is None:
        return "no usable song matched the brief"
    if best.similarity < threshold:
        return (f"the best match, {best.scored.track.title}, has cosine {best.similarity:.2f} "
                f"< {threshold:.2f} to the brief: a weak match")
    wanted = named_mood(brief)
    if wanted and not any(wanted in (*c.scored.track.moods, *c.scored.track.tags)
                          for c in usable):
        return (f"the brief asks for {wanted} music and no song in the catalog or the library "
                f"is {wanted} (best: {best.scored.track.title}, cosine {best.similarity:.2f})")
    return ""


def _composed(composer: MusicSource, request: MusicRequest, why: str) -> MusicChoice:
    (piece,) = composer.search(request)
    return MusicChoice(track=piece.track, query=request.query, score=piece.score,
                       reason=f"{why}; {piece.reason}; licence: {piece.track.licence}",
                       start_s=0.0)


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
