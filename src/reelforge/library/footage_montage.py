"""A montage of the creator's shots cut on the music's beats (``make --no-narration``).

Pure: the library's shots (ranked by the prompt), the beat grid in video time and the length in,
the cuts out. Every cut after the first frame is a beat; each shot lasts a whole number of beats
(``min_beats``–``max_beats``, aiming at ``target_shot_s``); shots are ordered for variety (never
two of one file in a row when another file is left, never two look-alikes in a row) and none is
shown twice — unless the library cannot fill the video, and then the note says how many seconds
were missing and that shots were shown again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from reelforge.domain import Montage, MontageCut
from reelforge.library.footage import FootageMatch
from reelforge.library.footage_choice import (
    CUT_MARGIN_S,
    MAX_SLOWDOWN,
    Candidate,
    near_duplicates,
    pick,
    treatment,
)


@dataclass(frozen=True)
class MontageRules:
    """The cutter's knobs: how long a shot is, in beats, and what counts as a look-alike."""

    target_shot_s: float = 2.0  # a shot aims at about this long
    min_beats: int = 2
    max_beats: int = 8
    near_duplicate_bits: int = 6  # as the scene chooser's (``ChoiceRules``)


def beats_per_shot(period_s: float, rules: MontageRules) -> int:
    """Whole beats nearest ``target_shot_s`` at this tempo, within the rules' bounds."""
    if period_s <= 0:
        return rules.min_beats
    return max(rules.min_beats, min(rules.max_beats, round(rules.target_shot_s / period_s)))


def beat_period(beats: Sequence[float]) -> float:
    """The grid's beat length (median gap; 0 with fewer than two beats)."""
    gaps = sorted(b - a for a, b in pairwise(beats) if b > a)
    return gaps[len(gaps) // 2] if gaps else 0.0


def order_for_variety(matches: Sequence[FootageMatch], bits: int) -> list[FootageMatch]:
    """The shots, best first, each followed by the best one left from the files shown least
    so far, never from the file just shown and never looking like the shot just shown (relaxed
    in that order when no such shot is left)."""
    left = list(matches)
    ordered: list[FootageMatch] = []
    shown: dict[str, int] = {}
    while left:
        if ordered:
            last = ordered[-1].shot
            unlike = [m for m in left if not near_duplicates(m.shot, last, bits)]
            other_file = [m for m in unlike if m.shot.source != last.source]
            pool = other_file or unlike or left
            chosen = min(pool, key=lambda m: shown.get(m.shot.source, 0))  # first of the least
        else:
            chosen = left[0]
        left.remove(chosen)
        ordered.append(chosen)
        shown[chosen.shot.source] = shown.get(chosen.shot.source, 0) + 1
    return ordered


def _longest(match: FootageMatch) -> float:
    """How long the shot can fill at most (slowed to ``MAX_SLOWDOWN``); a picture: any."""
    shot = match.shot
    if shot.kind == "picture":
        return math.inf
    return max(0.0, shot.duration_s - 2 * CUT_MARGIN_S) * MAX_SLOWDOWN


def cut_montage(matches: Sequence[FootageMatch], beats: Sequence[float], duration_s: float,
                fps: int, rules: MontageRules | None = None, *,
                bpm: float | None = None) -> Montage:
    """The montage of ``duration_s``: shots from ``matches`` (best first) cut on ``beats``
    (seconds in the video, ascending; ``bpm``: their tempo, when the analysis knows it better
    than the gaps tell). A cut within half a frame of the start or the end is not made."""
    rules = rules or MontageRules()
    frame = 1.0 / fps
    period = 60 / bpm if bpm else beat_period(beats)
    per_shot = beats_per_shot(period, rules)
    grid = [round(b, 3) for b in beats if frame / 2 < b < duration_s - frame / 2]
    first_beat = next((i for i, b in enumerate(beats) if abs(b) <= frame / 2), None)
    # cut points: the video's start, every beat, its end; index 0 of ``grid`` is beat ``base``
    base = sum(1 for b in beats if b <= frame / 2)
    points = [0.0, *grid, round(duration_s, 3)]
    ends_on_beat = any(abs(b - duration_s) <= frame / 2 for b in beats)
    order = order_for_variety(matches, rules.near_duplicate_bits)
    cuts: list[MontageCut] = []
    queue, reused, missing_s = list(order), False, 0.0
    last = len(points) - 1
    j = 0  # index into ``points`` where the next shot starts
    while j < last and order:
        if not queue:  # every distinct shot is shown (or too short for what is left)
            if not reused:
                missing_s = round(duration_s - points[j], 3)
            reused = True
            before = cuts[-1].shot.shot_id if cuts else None
            queue = sorted(order, key=lambda m: m.shot.shot_id == before)
        found = next(((q, end) for q, m in enumerate(queue)
                      if (end := _end_point(points, j, per_shot, rules, _longest(m))) is not None),
                     None)
        if found is None and not reused:
            queue = []  # go round again with every shot
            continue
        if found is None:  # nothing fills even the shortest span: the best is looped
            found = (0, _end_point(points, j, per_shot, rules, math.inf) or last)
        q, end = found
        match = queue.pop(q)
        start_s, end_s = points[j], points[end]
        need = round(end_s - start_s, 3)
        shown = pick(Candidate(match, match.score), need)
        how, speed, done = treatment(shown, need)
        whole = end - j - (j == 0 and first_beat is None) - (end == last and not ends_on_beat)
        cuts.append(MontageCut(
            index=len(cuts), shot=shown, at_s=start_s, duration_s=need,
            beat=first_beat if j == 0 else base + j - 1,
            beat_s=(0.0 if first_beat is not None else None) if j == 0 else start_s,
            beats=max(0, whole), treatment=how, speed=speed, reused=reused,
            reason=(f"similarity {match.score:.2f}; {done}"
                    + ("; shown again (the library is too short)" if reused else ""))))
        j = end
    note = ""
    if missing_s > 0:
        note = (f"the library's distinct shots fill {duration_s - missing_s:.1f} s of "
                f"{duration_s:.1f} s ({missing_s:.1f} s missing): shots are shown again")
    return Montage(bpm=round(60 / period, 2) if period else 0.0, beats_per_shot=per_shot,
                   cuts=cuts, missing_s=missing_s, note=note)


def _end_point(points: Sequence[float], j: int, per_shot: int, rules: MontageRules,
               longest_s: float) -> int | None:
    """Where a shot starting at ``points[j]`` ends: ``per_shot`` beats on, fewer (down to
    ``min_beats``) when the shot is too short; the video's end when it comes within
    ``min_beats`` (a shot never runs past ``max_beats`` to reach it: the one before it is cut
    shorter instead). None when the shot cannot fill even the shortest span."""
    last = len(points) - 1
    for beats in range(per_shot, rules.min_beats - 1, -1):
        end = min(j + beats, last)
        if last - end < rules.min_beats and end != last:
            end = last if last - j <= rules.max_beats else last - rules.min_beats
        if end > j and points[end] - points[j] <= longest_s + 1e-6:
            return end
    return None
