"""The offline writer for a text you bring (``--from``): its most central sentences, in order.

TextRank over meaning: every sentence is embedded by MiniLM (``media/embeddings.py``), sentences
are linked by cosine similarity, and PageRank over that graph ranks them; a sentence that says
what many others say ranks high. The best sentences that fit the duration at the voice's pace
(``providers/pacing.py``) are kept, near-duplicates of one already kept are skipped, and the
kept sentences are read in the source's order, grouped into scenes of about even length. It
says only what the source says, word for word.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from reelforge.domain import Brief, Plan, Scene
from reelforge.errors import InputError
from reelforge.providers import pacing
from reelforge.providers.base import ScriptResult
from reelforge.providers.script.template import scene_count
from reelforge.providers.script.user_script import FRAMES, NEGATIVE_PROMPT, spoken
from reelforge.settings import Settings
from reelforge.text import WORD, split_sentences

if TYPE_CHECKING:
    import numpy as np

DAMPING = 0.85
#: Sentences more alike than this (cosine) say the same thing: only the better one is kept.
DUPLICATE = 0.92
MIN_WORDS, MAX_CHARS = 4, 400
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")


def source_sentences(text: str) -> tuple[str, list[str]]:
    """(the text's title, its sentences in order): Markdown headings are not sentences (the
    first one is the title); fragments of fewer than four words are dropped."""
    title = ""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = []
        for line in paragraph.split("\n"):
            heading = _HEADING.match(line)
            if heading:
                title = title or heading.group(1).strip()
                continue
            lines.append(spoken(line))
        for sentence in split_sentences(" ".join(lines), max_chars=MAX_CHARS):
            if len(WORD.findall(sentence)) >= MIN_WORDS:
                sentences.append(sentence)
    return title, sentences


def text_rank(vectors: np.ndarray, iterations: int = 60) -> np.ndarray:
    """PageRank over the sentences' cosine-similarity graph (negative similarity: no edge)."""
    import numpy as np

    similarity = np.clip(vectors @ vectors.T, 0.0, None)
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    count = len(vectors)
    walk = np.divide(similarity, totals, out=np.full_like(similarity, 1.0 / count),
                     where=totals > 0)
    rank = np.full(count, 1.0 / count)
    for _ in range(iterations):
        rank = (1 - DAMPING) / count + DAMPING * (walk.T @ rank)
    return rank


def planned_scenes(text: str, duration_s: float) -> int:
    """How many scenes the writer makes of ``text`` (the estimate asks too)."""
    return max(1, min(scene_count(duration_s), len(source_sentences(text)[1])))


def _groups(sentences: list[str], count: int, seconds: list[float]) -> list[list[str]]:
    """Consecutive sentences in ``count`` (≤ len(sentences)) groups of about even speaking time."""
    cumulative = list(itertools.accumulate(seconds))
    cuts = [0]
    for k in range(1, count):
        goal = cumulative[-1] * k / count
        cut = min(range(len(sentences)), key=lambda j: abs(cumulative[j] - goal)) + 1
        cuts.append(min(max(cut, cuts[-1] + 1), len(sentences) - (count - k)))
    cuts.append(len(sentences))
    return [sentences[a:b] for a, b in itertools.pairwise(cuts)]


class ExtractiveScriptWriter:
    """ScriptWriter for a brief with ``source_text`` and no LLM: the source's own sentences."""

    name = "extractive-writer"
    version = "1"

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractiveScriptWriter:
        return cls()

    def write(self, brief: Brief) -> ScriptResult:
        import numpy as np

        from reelforge.media.embeddings import get_text_encoder

        if brief.source_text is None:
            raise InputError("the brief has no source text", hint="give one with --from FILE")
        title, sentences = source_sentences(brief.source_text)
        if not sentences:
            raise InputError("the text has no sentences to take a script from",
                             hint="give an article or notes written in sentences")
        count = planned_scenes(brief.source_text, brief.duration_s)
        budget = pacing.speech_budget(brief.duration_s, count)
        pause = pacing.pause_seconds(brief.emotion, brief.intensity)
        seconds = [pacing.speech_seconds(s, brief.emotion, brief.intensity) for s in sentences]
        vectors = np.asarray(get_text_encoder().encode(sentences), dtype=np.float32)
        rank = text_rank(vectors) if len(sentences) > 1 else np.ones(1)
        kept: list[int] = []
        used = 0.0
        for i in sorted(range(len(sentences)), key=lambda j: (-rank[j], j)):
            cost = seconds[i] + (pause if kept else 0.0)
            if used + cost > budget:
                continue
            if any(float(vectors[i] @ vectors[k]) > DUPLICATE for k in kept):
                continue
            kept.append(i)
            used += cost
        if not kept:
            shortest = min(seconds)
            raise InputError(
                f"no sentence of the text fits a {brief.duration_s:g} s video (the shortest "
                f"takes about {shortest:.0f} s to say)",
                hint=f"give --duration {shortest + 3:.0f} or more, or a text with shorter "
                     "sentences")
        kept.sort()  # the source's order
        chosen = [sentences[i] for i in kept]
        groups = _groups(chosen, min(count, len(chosen)), [seconds[i] for i in kept])
        frame = FRAMES.get(brief.aspect, FRAMES["9:16"])
        scenes = []
        for index, group in enumerate(groups):
            words = [w.lower() for w in WORD.findall(" ".join(group)) if len(w) > 4]
            keywords = list(dict.fromkeys(words))[:3]
            scenes.append(Scene(
                index=index, title=title if index == 0 else "", narration=" ".join(group),
                visual_prompt=f"{', '.join(keywords) or brief.prompt}, documentary style, "
                              f"natural light, {frame}",
                negative_prompt=NEGATIVE_PROMPT, mood="calm", keywords=keywords))
        mood = brief.music_mood or "calm"
        plan = Plan(title=title or brief.prompt, template="summary", scenes=scenes, mood=mood,
                    music_brief=f"{mood}: unobtrusive instrumental background under a spoken "
                                "summary")
        return ScriptResult(plan=plan)
