"""The best moments of a long recording: cut on sentences, scored, chosen for variety.

Pure: heard words with times (and optionally shot changes and a sentence encoder) in, moments
out, so it is tested without media. A moment starts on a sentence's first word and ends on a
sentence's last one, within a length range; it is scored on whether it stands alone (no
dangling opener, sentences about one thing), whether it opens with a hook, how dense its speech
is, how clean its edges are (a pause, a shot change), how lively its sound is against the
talk's usual level (when the levels are given) and, when asked, how close it is to a topic;
the chosen set is the best non-overlapping one with maximal marginal relevance, so five clips
are not five takes on one topic. Every moment carries its reason in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from reelforge.domain import Word

#: A word ending with one of these ends a sentence (Whisper punctuates what it hears).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")
#: Silence this long ends a sentence even without a full stop (the speaker stopped).
PAUSE_ENDS_SENTENCE_S = 1.5

#: Openers that only make sense after what came before: a clip starting with one is cut from
#: the middle of a thought. Longer phrases first; weights say how sure we are.
DANGLING_OPENERS: tuple[tuple[str, float], ...] = (
    ("as i said", 1.0), ("as i mentioned", 1.0), ("like i said", 1.0), ("as we saw", 1.0),
    ("so that's why", 1.0), ("that's why", 0.9), ("which is why", 1.0), ("and so", 1.0),
    ("on top of that", 0.9), ("going back to", 0.8), ("the other", 0.6),
    ("and", 1.0), ("but", 0.9), ("also", 0.8), ("because", 0.9), ("which", 1.0),
    ("or", 0.8), ("then", 0.7), ("anyway", 0.7), ("plus", 0.8), ("besides", 0.8),
    ("this", 0.7), ("that", 0.7), ("these", 0.7), ("those", 0.7), ("it", 0.6), ("so", 0.6),
    ("they", 0.6), ("he", 0.6), ("she", 0.6), ("there", 0.4), ("another", 0.6),
)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words of a strong claim: the opener promises something.
_CLAIM_WORDS = _word_set(
    "never always nobody everyone everybody nothing everything secret truth mistake biggest "
    "best worst most least only wrong myth surprising shocking impossible guaranteed must "
    "stop hidden real reason why")
_NUMBER_WORDS = _word_set(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion percent half double")


class SentenceEncoder(Protocol):
    """Texts to unit vectors (``media.embeddings.TextEncoder`` is one)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Sentence:
    """Consecutive heard words ending in a full stop, question or exclamation (or a long pause);
    ``first``/``last`` index the words it was built from."""

    text: str
    start_s: float
    end_s: float
    first: int
    last: int


@dataclass(frozen=True)
class MomentScores:
    """Each part of a moment's score, 0..1 (``total`` is their weighted sum, minus penalties)."""

    stands_alone: float
    coherence: float
    hook: float
    density: float
    edges: float
    about: float | None
    total: float
    energy: float | None = None  # the sound's level against the talk's usual speech, if known


@dataclass(frozen=True)
class Moment:
    """A stretch of the source to publish on its own: sentences ``first``..``last``.

    ``start_s``/``end_s`` are the cut points (a little room before the first word and after the
    last, never reaching into a neighbouring word); ``speech_start_s``/``speech_end_s`` are the
    first word's start and the last word's end."""

    start_s: float
    end_s: float
    speech_start_s: float
    speech_end_s: float
    first: int
    last: int
    text: str
    scores: MomentScores
    reason: str
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class ScoreWeights:
    """How much each part counts in a moment's total; ``about`` only when a topic is asked
    for, and then it leads."""

    stands_alone: float = 0.30
    coherence: float = 0.15
    hook: float = 0.25
    density: float = 0.10
    edges: float = 0.10
    about: float = 0.8
    energy: float = 0.10


#: A second whose sound is quieter than this (dBFS) has no speech to speak of.
VOICED_DB = -50.0


@dataclass(frozen=True)
class SoundLevels:
    """A talk's sound level each second (dBFS) and its usual speech level, so a moment's
    energy is how much louder or quieter its speech is than the speaker's own norm (a quiet
    microphone is no penalty; a raised voice stands out)."""

    per_second: np.ndarray
    typical_db: float
    spread_db: float

    @classmethod
    def of(cls, levels: Sequence[float]) -> SoundLevels | None:
        """From per-second levels; None when fewer than three seconds have any speech."""
        values = np.asarray(levels, dtype=np.float64)
        voiced = values[values > VOICED_DB]
        if voiced.size < 3:
            return None
        low, typical, high = np.percentile(voiced, [10, 50, 90])
        return cls(values, float(typical), max(6.0, float(high - low)))

    def energy(self, start_s: float, end_s: float) -> tuple[float, float]:
        """(0..1, dB above the usual level) of the speech between ``start_s`` and ``end_s``:
        0.5 at the usual level, 1 at half the talk's 10-90 % spread above it."""
        first = max(0, int(start_s))
        seconds = self.per_second[first:max(first + 1, int(np.ceil(end_s)))]
        voiced = seconds[seconds > VOICED_DB]
        if voiced.size == 0:
            return 0.0, VOICED_DB - self.typical_db
        above = float(np.mean(voiced)) - self.typical_db
        return float(np.clip(0.5 + above / self.spread_db, 0.0, 1.0)), above


@dataclass(frozen=True)
class MomentRules:
    """What a moment may be and how its parts weigh."""

    min_s: float = 20.0
    max_s: float = 60.0
    lead_s: float = 0.25  # room kept before the first word, if the pause allows
    tail_s: float = 0.4  # and after the last
    shot_snap_s: float = 0.6  # a shot change this close to an edge counts as at the edge
    diversity: float = 0.3  # MMR: weight of being unlike the moments already chosen
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    #: MiniLM cosine of a text plainly on a topic (0.5-0.7); scaled to 1 so the topic leads
    about_full: float = 0.6


def _bare(word: str) -> str:
    return re.sub(r"[^0-9a-z' ]", "", word.lower().replace("’", "'"))


def sentences_of(words: Sequence[Word]) -> list[Sentence]:
    """The heard words grouped into sentences: a word ending in . ! ? (or a pause of
    ``PAUSE_ENDS_SENTENCE_S`` after it) closes one."""
    out: list[Sentence] = []
    first = 0
    for i, word in enumerate(words):
        next_gap = (words[i + 1].start_s - word.end_s) if i + 1 < len(words) else float("inf")
        if _SENTENCE_END.search(word.text.strip()) or next_gap >= PAUSE_ENDS_SENTENCE_S:
            part = words[first:i + 1]
            out.append(Sentence(text=" ".join(w.text.strip() for w in part),
                                start_s=part[0].start_s, end_s=part[-1].end_s,
                                first=first, last=i))
            first = i + 1
    return out


def dangling_opener(text: str) -> tuple[str, float] | None:
    """The opener that ties ``text`` to what came before, with how sure we are, or None."""
    said = " ".join(_bare(text).split())
    for phrase, weight in DANGLING_OPENERS:
        if said == phrase or said.startswith(phrase + " "):
            return phrase, weight
    return None


def hook_of(text: str) -> tuple[float, str]:
    """How strongly a sentence opens (0..1) and what makes it a hook: a question, a number,
    a strong claim."""
    words = _bare(text).split()
    found: list[str] = []
    score = 0.0
    if text.strip().endswith("?"):
        score += 0.6
        found.append("a question")
    if re.search(r"\d", text) or any(w in _NUMBER_WORDS for w in words):
        score += 0.35
        found.append("a number")
    claims = [w for w in words if w in _CLAIM_WORDS]
    if claims:
        score += min(0.45, 0.25 * len(claims))
        found.append(f"a strong claim ({', '.join(dict.fromkeys(claims))})")
    return min(1.0, score), " and ".join(found)


def _gap_before(sentences: Sequence[Sentence], i: int) -> float:
    return sentences[i].start_s - sentences[i - 1].end_s if i > 0 else sentences[i].start_s


def _gap_after(sentences: Sequence[Sentence], j: int, end_of_source_s: float) -> float:
    return (sentences[j + 1].start_s - sentences[j].end_s if j + 1 < len(sentences)
            else max(0.0, end_of_source_s - sentences[j].end_s))


def candidate_spans(sentences: Sequence[Sentence], rules: MomentRules,
                    end_of_source_s: float) -> list[tuple[int, int]]:
    """Every run of whole sentences (first, last) whose cut length is within the range."""
    spans = []
    for i in range(len(sentences)):
        lead = min(rules.lead_s, _gap_before(sentences, i) / 2)
        for j in range(i, len(sentences)):
            tail = min(rules.tail_s, _gap_after(sentences, j, end_of_source_s) / 2)
            length = sentences[j].end_s + tail - (sentences[i].start_s - lead)
            if length > rules.max_s:
                break
            if length >= rules.min_s:
                spans.append((i, j))
    return spans


def _near(times: np.ndarray, t: float, reach: float) -> bool:
    return bool(times.size) and bool(np.min(np.abs(times - t)) <= reach)


def _edge_quality(sentences: Sequence[Sentence], i: int, j: int, cuts: np.ndarray,
                  rules: MomentRules, end_of_source_s: float) -> tuple[float, list[str]]:
    """0..1: pauses around the moment (a breath or more) and shot changes at its edges."""
    notes = []
    pause_in = min(1.0, _gap_before(sentences, i) / 0.8)
    pause_out = min(1.0, _gap_after(sentences, j, end_of_source_s) / 0.8)
    at_cut = [_near(cuts, sentences[i].start_s, rules.shot_snap_s),
              _near(cuts, sentences[j].end_s, rules.shot_snap_s)]
    if pause_in >= 1.0 and pause_out >= 1.0:
        notes.append("clean pauses at both ends")
    if any(at_cut):
        notes.append("cut at a shot change")
    score = 0.35 * pause_in + 0.35 * pause_out + 0.15 * at_cut[0] + 0.15 * at_cut[1]
    return score, notes


def score_moment(sentences: Sequence[Sentence], i: int, j: int, vectors: np.ndarray | None,
                 about: np.ndarray | None, cuts: np.ndarray, rules: MomentRules,
                 end_of_source_s: float, word_count: int, levels: SoundLevels | None = None,
                 ) -> tuple[MomentScores, str, np.ndarray | None]:
    """The scores of sentences ``i``..``j`` as one moment, the reason in words, its vector."""
    first = sentences[i]
    dangling = dangling_opener(first.text)
    stands_alone = 1.0 - (dangling[1] if dangling else 0.0)
    hook, hook_why = hook_of(first.text)
    speech_s = max(1e-6, sentences[j].end_s - first.start_s)
    words_per_s = word_count / speech_s
    density = float(np.clip(words_per_s / 2.8, 0.0, 1.0))
    edges, edge_notes = _edge_quality(sentences, i, j, cuts, rules, end_of_source_s)
    vector: np.ndarray | None = None
    coherence, about_score = 0.5, None
    if vectors is not None and vectors.size:
        own = vectors[i:j + 1]
        mean = own.mean(axis=0)
        vector = mean / max(float(np.linalg.norm(mean)), 1e-12)
        # each sentence against the rest of the moment: a moment spanning two topics has
        # sentences far from its centre
        coherence = float(np.clip(np.mean(own @ vector), 0.0, 1.0)) if j > i else 0.6
        if about is not None:
            about_score = float(np.clip(vector @ about / rules.about_full, 0.0, 1.0))
    w = rules.weights
    total = (w.stands_alone * stands_alone + w.coherence * coherence + w.hook * hook
             + w.density * density + w.edges * edges)
    if about_score is not None:
        total += w.about * about_score
    energy, louder_db = (levels.energy(first.start_s, sentences[j].end_s) if levels is not None
                         else (None, 0.0))
    if energy is not None:  # the talk's usual level is neutral: louder gains, quieter loses
        total += w.energy * (energy - 0.5)
    if dangling:
        total -= 0.3 * dangling[1]  # a dangling opener is a bad clip however good the rest
    scores = MomentScores(stands_alone=round(stands_alone, 3), coherence=round(coherence, 3),
                          hook=round(hook, 3), density=round(density, 3),
                          edges=round(edges, 3),
                          about=None if about_score is None else round(about_score, 3),
                          total=round(total, 4),
                          energy=None if energy is None else round(energy, 3))
    reasons = []
    if hook_why:
        reasons.append(f"opens with {hook_why}")
    if dangling:
        reasons.append(f"but opens with “{dangling[0]}”, which leans on what came before")
    else:
        reasons.append("stands alone (no opener leaning on earlier talk)")
    if coherence >= 0.75:
        reasons.append("its sentences keep to one subject")
    reasons.append(f"{words_per_s:.1f} words/s")
    if about_score is not None:
        reasons.append(f"on the topic asked for ({about_score:.0%})" if about_score >= 0.5
                       else f"far from the topic asked for ({about_score:.0%})")
    if energy is not None and louder_db >= 3.0:
        reasons.append(f"livelier than the rest of the talk (+{louder_db:.0f} dB)")
    elif energy is not None and louder_db <= -3.0:
        reasons.append(f"quieter than the rest of the talk ({louder_db:.0f} dB)")
    reasons += edge_notes
    return scores, "; ".join(reasons), vector


def find_moments(words: Sequence[Word], count: int, rules: MomentRules | None = None, *,
                 encoder: SentenceEncoder | None = None, about: str = "",
                 shot_changes_s: Sequence[float] = (),
                 end_of_source_s: float | None = None,
                 sound_levels_db: Sequence[float] = ()) -> list[Moment]:
    """Up to ``count`` non-overlapping moments, best first (an empty list when no run of whole
    sentences fits the length range). ``sound_levels_db``: the sound's level each second
    (``media.sound_level``), for the energy score."""
    rules = rules or MomentRules()
    sentences = sentences_of(words)
    if not sentences or count <= 0:
        return []
    end = end_of_source_s if end_of_source_s is not None else sentences[-1].end_s
    spans = candidate_spans(sentences, rules, end)
    if not spans:
        return []
    vectors = encoder.encode([s.text for s in sentences]) if encoder is not None else None
    about_vector = (encoder.encode([about])[0] if encoder is not None and about.strip()
                    else None)
    cuts = np.asarray(sorted(shot_changes_s), dtype=np.float64)
    levels = SoundLevels.of(sound_levels_db)
    candidates = []
    for i, j in spans:
        n_words = sentences[j].last - sentences[i].first + 1
        scores, reason, vector = score_moment(sentences, i, j, vectors, about_vector, cuts,
                                              rules, end, n_words, levels)
        lead = min(rules.lead_s, _gap_before(sentences, i) / 2)
        tail = min(rules.tail_s, _gap_after(sentences, j, end) / 2)
        candidates.append(Moment(
            start_s=round(max(0.0, sentences[i].start_s - lead), 3),
            end_s=round(min(end, sentences[j].end_s + tail) if end > sentences[j].end_s
                        else sentences[j].end_s, 3),
            speech_start_s=sentences[i].start_s, speech_end_s=sentences[j].end_s,
            first=i, last=j, text=" ".join(s.text for s in sentences[i:j + 1]),
            scores=scores, reason=reason, vector=vector))
    return pick_diverse(candidates, count, rules.diversity)


def pick_diverse(candidates: Sequence[Moment], count: int, diversity: float) -> list[Moment]:
    """Maximal marginal relevance over non-overlapping moments: each pick maximises
    ``(1 - diversity) * score - diversity * (similarity to the closest moment already picked)``,
    so a second take on a chosen topic must be clearly better to win."""
    chosen: list[Moment] = []
    left = list(candidates)
    while left and len(chosen) < count:
        def value(m: Moment) -> float:
            if m.vector is None or not chosen:
                return m.scores.total
            similar = max(float(m.vector @ c.vector) for c in chosen if c.vector is not None)
            return (1 - diversity) * m.scores.total - diversity * similar

        best = max(left, key=value)
        chosen.append(best)
        left = [m for m in left if m.end_s <= best.start_s or m.start_s >= best.end_s]
    return sorted(chosen, key=lambda m: -m.scores.total)


def activity_moments(activity: Sequence[float], step_s: float, count: int,
                     rules: MomentRules | None = None) -> list[Moment]:
    """Moments chosen by visual activity alone (no speech): the windows of the longest allowed
    length with the most change per second, not overlapping."""
    rules = rules or MomentRules()
    values = np.asarray(activity, dtype=np.float64)
    total_s = values.size * step_s
    if values.size == 0 or total_s < rules.min_s:
        return []
    length = min(rules.max_s, total_s)
    width = max(1, round(length / step_s))
    sums = np.convolve(values, np.ones(width), mode="valid") / width
    top = float(sums.max()) or 1.0
    candidates = []
    for k in np.argsort(-sums, kind="stable"):
        start = float(k) * step_s
        level = float(sums[k]) / top
        candidates.append(Moment(
            start_s=round(start, 3), end_s=round(start + width * step_s, 3),
            speech_start_s=start, speech_end_s=start, first=-1, last=-1, text="",
            scores=MomentScores(0.0, 0.0, 0.0, 0.0, 0.0, None, round(level, 4)),
            reason=f"no speech: the most visual change ({level:.0%} of the busiest stretch)"))
    return pick_diverse(candidates, count, 0.0)
