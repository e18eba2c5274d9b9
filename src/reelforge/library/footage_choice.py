"""Which of the creator's shots each scene shows: chosen for the whole video at once.

Per scene the footage index is searched with the scene's words (visual prompt and narration);
each candidate's score is its similarity, less a little when a video shot is shorter than the
scene (it would have to be slowed or looped). The assignment is global (Hungarian, so a shot two
scenes want goes where the video gains most), no shot twice, no two near-duplicates (perceptual
hashes within a few bits), and a second pass gives a scene a shot from a file not used yet when
one scores almost as well (variety of sources). A scene whose best similarity is below the
threshold gets no shot: the video engine draws it. A shot whose named colours and brightness
agree with the scene's colour and light words (or its mood's light) gains a little score, one
that disagrees loses as much (``look_weight``: similarity decides, looks break near-ties).
Pure: shots and scores in, choices out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from reelforge.domain import FootageChoice, FootagePick, FootageTreatment
from reelforge.library.footage import FootageIndex, FootageMatch, FootageShot

#: A video shot this much slower than real time still looks natural; beyond it, it loops.
MAX_SLOWDOWN = 1.5
#: Seconds kept clear of a shot's detected cuts (a boundary may be a frame off).
CUT_MARGIN_S = 0.1
#: Other shots a scene offers the creator to swap in (the manifest's ``candidates``).
CANDIDATES_OFFERED = 5
_FORBIDDEN = -1e6


@dataclass(frozen=True)
class SceneNeed:
    """What a scene asks of the footage: its words and how long it lasts."""

    index: int
    narration: str
    visual_prompt: str
    duration_s: float
    mood: str = ""  # the plan's mood of the scene (calm, happy, mysterious, …)

    @property
    def query(self) -> str:
        """The text searched: what should be seen first, then what is said."""
        seen = self.visual_prompt.strip().rstrip(".")
        return f"{seen}. {self.narration.strip()}" if seen else self.narration.strip()


@dataclass(frozen=True)
class ChoiceRules:
    """The chooser's knobs (``min_score`` is the setting ``footage_min_score``)."""

    min_score: float = 0.3  # below this cosine a scene falls back to the video engine
    candidates: int = 12  # shots searched per scene
    short_penalty: float = 0.1  # score lost by a video shot with none of the length needed
    near_duplicate_bits: int = 6  # image hashes this close are the same picture
    variety_margin: float = 0.04  # score a scene gives up for a file not used yet
    look_weight: float = 0.03  # score a shot gains (or loses) when its looks agree with the scene


@dataclass(frozen=True)
class Candidate:
    """A shot a scene could show, with its similarity and its score for this scene."""

    match: FootageMatch
    fit: float  # similarity less the shortness penalty: what the assignment maximises
    look: str = ""  # how the shot's colours and light agree with the scene, in words

    @property
    def shot(self) -> FootageShot:
        return self.match.shot


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def near_duplicates(a: FootageShot, b: FootageShot, bits: int) -> bool:
    """Two shots that look the same (0 is "no hash known": never a duplicate)."""
    return bool(a.image_hash and b.image_hash) and hamming(a.image_hash, b.image_hash) <= bits


#: Words of a scene that ask for one of the palette's colour names (``color_name`` in
#: ``media/image_analysis.py``, which the footage index stores per shot).
COLOUR_WORDS: dict[str, str] = {
    **{name: name for name in ("red", "orange", "yellow", "green", "cyan", "blue", "purple",
                               "pink", "brown", "white", "black", "grey")},
    "gray": "grey", "crimson": "red", "scarlet": "red", "golden": "yellow", "gold": "yellow",
    "amber": "orange", "turquoise": "cyan", "teal": "cyan", "aqua": "cyan", "navy": "blue",
    "violet": "purple", "lavender": "purple", "magenta": "pink", "snowy": "white",
    "snow": "white"}
#: Words that ask for a dark or a bright picture.
DARK_WORDS = frozenset({"dark", "darkness", "night", "nighttime", "midnight", "dim", "shadow",
                        "shadows", "shadowy", "gloomy", "moody", "candlelit", "dusk"})
BRIGHT_WORDS = frozenset({"bright", "sunny", "sunlit", "sunshine", "daylight", "daytime",
                          "noon", "brilliant", "luminous"})
#: A scene's mood leans to a light (weaker than words: half the weight).
MOOD_LIGHT: dict[str, str] = {
    "happy": "bright", "excited": "bright", "energetic": "bright", "confident": "bright",
    "mysterious": "dark", "dramatic": "dark", "sad": "dark", "serious": "dark"}
#: Brightness (0..1, the shot's mean luma) below ``DARK_BELOW`` is dark, above ``BRIGHT_ABOVE``
#: bright (``footage_describe.brightness_word`` calls < 0.4 dim and > 0.7 bright).
DARK_BELOW, BRIGHT_ABOVE = 0.4, 0.55


def look_agreement(need: SceneNeed, shot: FootageShot) -> tuple[float, str]:
    """How the shot's named colours and brightness agree with the colour and light words of the
    scene (and its mood's light, at half weight): −1..1 and the reason in words; 0 when the
    scene asks nothing or the shot's looks are unknown (no colours, brightness 0)."""
    words = set(re.findall(r"[a-z]+", f"{need.visual_prompt} {need.narration}".lower()))
    parts: list[float] = []
    said: list[str] = []
    asked = {COLOUR_WORDS[w] for w in words if w in COLOUR_WORDS}
    if asked and shot.colours:
        shared = [c for c in shot.colours if c in asked]
        parts.append(1.0 if shared else -1.0)
        said.append(f"colour {', '.join(shared)} as asked" if shared
                    else f"not {'/'.join(sorted(asked))} ({', '.join(shot.colours[:2])})")
    light, weight = "", 1.0
    if words & DARK_WORDS and not words & BRIGHT_WORDS:
        light = "dark"
    elif words & BRIGHT_WORDS and not words & DARK_WORDS:
        light = "bright"
    elif need.mood in MOOD_LIGHT:
        light, weight = MOOD_LIGHT[need.mood], 0.5
    if light and shot.brightness > 0:
        b = shot.brightness
        seen = "dark" if b < DARK_BELOW else "bright" if b > BRIGHT_ABOVE else ""
        if seen:
            parts.append(weight if seen == light else -weight)
            why = "the scene" if weight == 1.0 else f"its {need.mood} mood"
            said.append(f"{seen}, as {why} asks" if seen == light
                        else f"{seen}, where {why} asks {light}")
    if not parts:
        return 0.0, ""
    return sum(parts) / len(parts), "; ".join(said)


def fit_score(match: FootageMatch, need_s: float, rules: ChoiceRules) -> float:
    """Similarity, less a share of ``short_penalty`` for the length a video shot lacks."""
    shot = match.shot
    if shot.kind == "picture" or need_s <= 0 or shot.duration_s >= need_s:
        return match.score
    return match.score - rules.short_penalty * (1 - shot.duration_s / need_s)


def candidates(needs: Sequence[SceneNeed], index: FootageIndex,
               rules: ChoiceRules) -> list[list[Candidate]]:
    """Every scene's searched shots, best fit first (also those below the threshold: one may
    be a runner-up)."""
    found = []
    for need in needs:
        matches = index.search(need.query, rules.candidates)
        scene = []
        for m in matches:
            agreement, look = look_agreement(need, m.shot)
            scene.append(Candidate(m, fit_score(m, need.duration_s, rules)
                                   + rules.look_weight * agreement, look))
        found.append(sorted(scene, key=lambda c: -c.fit))
    return found


def _assign(options: list[list[Candidate]], forbidden: set[tuple[int, str]]) -> dict[int, int]:
    """Scene → position in its options, maximising the total fit (Hungarian). A forbidden pair
    costs more than any fit gains, so as many scenes as can get a shot get one."""
    from scipy.optimize import linear_sum_assignment

    shot_ids = sorted({c.shot.shot_id for scene in options for c in scene})
    if not shot_ids:
        return {}
    column = {shot_id: j for j, shot_id in enumerate(shot_ids)}
    gain = np.full((len(options), len(shot_ids)), _FORBIDDEN)
    for i, scene in enumerate(options):
        for c in scene:
            if (i, c.shot.shot_id) not in forbidden:
                gain[i, column[c.shot.shot_id]] = c.fit
    rows, cols = linear_sum_assignment(gain, maximize=True)
    chosen = {}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if gain[i, j] > _FORBIDDEN / 2:
            chosen[i] = next(k for k, c in enumerate(options[i])
                             if c.shot.shot_id == shot_ids[j])
    return chosen


def _duplicate_conflict(options: list[list[Candidate]], chosen: dict[int, int],
                        bits: int) -> tuple[int, str] | None:
    """The weaker half of the first pair of near-duplicate choices, if any."""
    picked = sorted(chosen.items())
    for a, (i, ki) in enumerate(picked):
        for j, kj in picked[a + 1:]:
            ci, cj = options[i][ki], options[j][kj]
            if near_duplicates(ci.shot, cj.shot, bits):
                weaker, c = (i, ci) if ci.fit < cj.fit else (j, cj)
                return weaker, c.shot.shot_id
    return None


def _prefer_new_sources(options: list[list[Candidate]], chosen: dict[int, int],
                        rules: ChoiceRules) -> None:
    """A scene sharing its file with another takes a free shot of an unused file instead,
    when that costs at most ``variety_margin`` of fit (weakest scenes move first)."""
    for i in sorted(chosen, key=lambda s: options[s][chosen[s]].fit):
        current = options[i][chosen[i]]
        others = [options[s][k] for s, k in chosen.items() if s != i]
        if all(o.shot.source != current.shot.source for o in others):
            continue
        used_ids = {o.shot.shot_id for o in others}
        used_sources = {o.shot.source for o in others}
        for k, c in enumerate(options[i]):
            if c.fit < current.fit - rules.variety_margin:
                break
            if (c.shot.source not in used_sources and c.shot.shot_id not in used_ids
                    and not any(near_duplicates(c.shot, o.shot, rules.near_duplicate_bits)
                                for o in others)):
                chosen[i] = k
                break


#: How much a window's lack of sharpness (1 − sharpness, 0..1) weighs against its motion
#: (0..1): the camera's steadiness decides first, sharpness breaks what it leaves open.
SHARPNESS_WEIGHT = 0.5
#: Windows whose unsteadiness is within this of the steadiest are as good: the one nearest
#: the shot's middle is used (a steady shot keeps its middle).
STEADY_TIE = 0.01
#: Window starts are tried this far apart (and the latest possible start).
WINDOW_STEP_S = 0.05


@dataclass(frozen=True)
class ShotProfile:
    """Motion and sharpness (0..1) per ``step_s`` seconds from a shot's start, as indexing
    stores it (``footage_analyse.profile_extra``)."""

    step_s: float
    motion: tuple[float, ...]
    sharpness: tuple[float, ...]

    @classmethod
    def of(cls, shot: FootageShot) -> ShotProfile | None:
        """The shot's stored profile; None for a picture or a library indexed before it."""
        doc = shot.extra.get("profile")
        if not isinstance(doc, dict):
            return None
        try:
            step = float(doc["step_s"])
            motion = tuple(float(v) for v in doc["motion"])
            sharpness = tuple(float(v) for v in doc["sharpness"])
        except (KeyError, TypeError, ValueError):
            return None
        if step <= 0 or not motion or len(motion) != len(sharpness):
            return None
        return cls(step, motion, sharpness)

    def unsteadiness(self) -> np.ndarray:
        """Per step: motion, plus ``SHARPNESS_WEIGHT`` of the missing sharpness."""
        return (np.asarray(self.motion)
                + SHARPNESS_WEIGHT * (1.0 - np.asarray(self.sharpness)))


@dataclass(frozen=True)
class Segment:
    """The seconds of a shot a scene shows (source time), and why those."""

    start_s: float
    end_s: float
    why: str


def _window_means(values: np.ndarray, step_s: float, starts: np.ndarray,
                  length_s: float) -> np.ndarray:
    """The mean of a step function (``values[k]`` over [k·step, (k+1)·step)) over each window
    [start, start + length), by its running integral."""
    edges = np.arange(len(values) + 1) * step_s
    integral = np.concatenate([[0.0], np.cumsum(values * step_s)])
    inside = (np.interp(starts + length_s, edges, integral) - np.interp(starts, edges, integral))
    return inside / max(length_s, 1e-9)


def steadiest_window(profile: ShotProfile, duration_s: float, need_s: float,
                     margin_s: float = CUT_MARGIN_S) -> float:
    """Where (seconds from the shot's start) the window of ``need_s`` with the least motion and
    the most sharpness starts, inside [margin, duration − margin]: never across a cut. Windows
    within ``STEADY_TIE`` of the best are equal, and the one nearest the middle wins."""
    lo, hi = margin_s, duration_s - margin_s - need_s
    middle = (duration_s - need_s) / 2
    if hi <= lo:
        return max(0.0, middle)
    starts = np.unique(np.concatenate([np.arange(lo, hi, WINDOW_STEP_S), [hi, middle]]))
    starts = starts[(starts >= lo - 1e-9) & (starts <= hi + 1e-9)]
    cost = _window_means(profile.unsteadiness(), profile.step_s, starts, need_s)
    good = np.flatnonzero(cost <= cost.min() + STEADY_TIE)
    return float(starts[good[np.argmin(np.abs(starts[good] - middle))]])


def _looks(profile: ShotProfile, start_s: float, need_s: float) -> tuple[float, float]:
    """Mean motion and sharpness of a window (seconds from the shot's start)."""
    at = np.array([start_s])
    return (float(_window_means(np.asarray(profile.motion), profile.step_s, at, need_s)[0]),
            float(_window_means(np.asarray(profile.sharpness), profile.step_s, at, need_s)[0]))


def choose_segment(shot: FootageShot, need_s: float) -> Segment:
    """The seconds of ``shot`` a scene of ``need_s`` shows, and why: the steadiest, sharpest
    window of that length inside the shot, clear of its cuts (never across one); its middle
    when the shot has no profile or is as steady throughout; the whole shot when it is too
    short. The one place a segment is decided (scenes, montage cuts, swaps, candidates)."""
    if shot.kind == "picture":
        return Segment(0.0, 0.0, "a picture")
    margin = min(CUT_MARGIN_S, max(0.0, (shot.duration_s - need_s) / 2))
    usable = shot.duration_s - 2 * margin
    if usable <= need_s:
        return Segment(round(shot.start_s + margin, 3), round(shot.end_s - margin, 3),
                       f"the whole shot ({shot.duration_s:.1f} s)")
    middle = (shot.duration_s - need_s) / 2
    profile = ShotProfile.of(shot)
    if profile is None:
        offset, why = middle, "its middle (no steadiness measured)"
    else:
        offset = steadiest_window(profile, shot.duration_s, need_s, margin)
        motion, sharp = _looks(profile, offset, need_s)
        if abs(offset - middle) < 1e-6:
            why = (f"its middle, as steady as any part (motion {motion:.2f}, "
                   f"sharpness {sharp:.2f})")
        else:
            m_motion, m_sharp = _looks(profile, middle, need_s)
            why = (f"its steadiest, sharpest {need_s:.1f} s (motion {motion:.2f}, sharpness "
                   f"{sharp:.2f}; the middle: motion {m_motion:.2f}, sharpness {m_sharp:.2f})")
    start = shot.start_s + offset
    return Segment(round(start, 3), round(start + need_s, 3),
                   f"{start - shot.start_s:.1f}–{start - shot.start_s + need_s:.1f} s of the "
                   f"{shot.duration_s:.1f} s shot, {why}")


def segment(shot: FootageShot, need_s: float) -> tuple[float, float]:
    """The seconds of ``shot`` a scene of ``need_s`` shows (``choose_segment``)."""
    part = choose_segment(shot, need_s)
    return part.start_s, part.end_s


def pick(c: Candidate, need_s: float) -> FootagePick:
    part = choose_segment(c.shot, need_s)
    focus = c.shot.extra.get("focus")  # a picture's, or a video shot's keyframe's subject
    return FootagePick(shot_id=c.shot.shot_id, source=c.shot.source, kind=c.shot.kind,
                       start_s=part.start_s, end_s=part.end_s, width=max(1, c.shot.width),
                       height=max(1, c.shot.height), score=round(c.match.score, 4),
                       part=part.why, focus=_focus(focus))


def _focus(value: object) -> tuple[float, float] | None:
    """A stored salient point (``extra["focus"]``, [x, y] in 0..1), or None."""
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            x, y = float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return None
        if 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0:
            return round(x, 3), round(y, 3)
    return None


def treatment(shown: FootagePick, need_s: float) -> tuple[FootageTreatment, float, str]:
    """How the pick fills the scene: (treatment, speed, what was done, in words)."""
    if shown.kind == "picture":
        return "ken-burns", 1.0, "a picture, slowly zoomed"
    length = shown.end_s - shown.start_s
    if length >= need_s - 1e-3:
        return "cut", 1.0, shown.part or f"{length:.1f} s of the shot"
    if need_s <= length * MAX_SLOWDOWN:
        speed = round(length / need_s, 3)
        return "slow", speed, (f"the shot is {length:.1f} s, the scene {need_s:.1f} s: "
                               f"played at {speed:.2f}× speed")
    return "loop", 1.0, (f"the shot is {length:.1f} s, the scene {need_s:.1f} s "
                         f"({need_s - length:.1f} s missing): looped")


def choose_footage(needs: Sequence[SceneNeed], index: FootageIndex,
                   rules: ChoiceRules | None = None) -> list[FootageChoice]:
    """One choice per scene, in scene order: the shot, its segment, score, reason, runner-up."""
    rules = rules or ChoiceRules()
    return choose(needs, candidates(needs, index, rules), rules)


def choose(needs: Sequence[SceneNeed], searched: list[list[Candidate]],
           rules: ChoiceRules) -> list[FootageChoice]:
    """The choice among searched candidates (``candidates``): what the pipeline caches."""
    options = [[c for c in scene if c.match.score >= rules.min_score] for scene in searched]
    forbidden: set[tuple[int, str]] = set()
    while True:
        chosen = _assign(options, forbidden)
        conflict = _duplicate_conflict(options, chosen, rules.near_duplicate_bits)
        if conflict is None:
            break
        forbidden.add(conflict)
    _prefer_new_sources(options, chosen, rules)
    used = {options[i][k].shot.shot_id for i, k in chosen.items()}
    choices = []
    for i, need in enumerate(needs):
        spare = [c for c in searched[i] if c.shot.shot_id not in used]
        runner_up = pick(spare[0], need.duration_s) if spare else None
        if i not in chosen:
            if options[i]:
                said = (f"its {len(options[i])} matching shot(s) went to other scenes or look "
                        "like theirs")
            elif searched[i]:
                best = max(c.match.score for c in searched[i])
                said = f"best match {best:.2f} is below {rules.min_score:.2f}"
            else:
                said = "no footage to search"
            choices.append(FootageChoice(scene_index=need.index, runner_up=runner_up,
                                         reason=f"{said}: drawn by the video engine"))
            continue
        c = options[i][chosen[i]]
        shown = pick(c, need.duration_s)
        how, speed, done = treatment(shown, need.duration_s)
        choices.append(FootageChoice(
            scene_index=need.index, shot=shown, runner_up=runner_up, treatment=how, speed=speed,
            reason=f"similarity {c.match.score:.2f}, {c.match.reason}; "
                   + (f"{c.look}; " if c.look else "") + done))
    return choices


def swap(choice: FootageChoice, need: SceneNeed, shot: FootageShot,
         searched: Sequence[Candidate]) -> FootageChoice:
    """The scene showing ``shot`` because the creator picked it (``Brief.footage_swaps``); the
    chooser's pick becomes the runner-up, so the manifest says what was replaced."""
    found = next((c for c in searched if c.shot.shot_id == shot.shot_id), None)
    match = found.match if found is not None else FootageMatch(shot, 0.0, "")
    shown = pick(Candidate(match, match.score), need.duration_s)
    how, speed, done = treatment(shown, need.duration_s)
    was = choice.shot
    instead = (f"instead of {PurePath(was.source).name}" if was is not None
               else "instead of the video engine's picture")
    similar = (f"similarity {match.score:.2f}" if found is not None
               else "not among the scene's best matches")
    return choice.model_copy(update={
        "shot": shown, "runner_up": was or choice.runner_up, "treatment": how, "speed": speed,
        "swapped": True, "reason": f"picked by you {instead}; {similar}; {done}"})


def offer_candidates(choices: Sequence[FootageChoice], needs: Sequence[SceneNeed],
                     searched: Sequence[Sequence[Candidate]],
                     count: int = CANDIDATES_OFFERED) -> list[FootageChoice]:
    """Each choice with the shots a swap may put in its place: the scene's best searched shots
    that no scene shows (also those below the threshold: the creator may know better)."""
    used = {c.shot.shot_id for c in choices if c.shot is not None}
    offered = []
    for choice, need, scene in zip(choices, needs, searched, strict=True):
        spare = [pick(c, need.duration_s) for c in scene if c.shot.shot_id not in used]
        offered.append(choice.model_copy(update={"candidates": spare[:count]}))
    return offered
