"""The offline script writer: the prompt becomes a titled plan of 3–8 scenes from phrase banks.

No small local LLM on PyPI writes usable scripts (DESIGN.md), so this writer is deterministic and
honest about what it is: it reads the prompt's subject, claim and key words, picks a template
(explainer, story, listicle, promo), and sizes each scene's narration to the target duration at
about 2.5 words per second. Its banks are small: past about a minute, sentences start to recur
(across scenes, never within one); long scripts want the OpenAI-compatible writer (or a local LLM
served by Ollama, vLLM or llama.cpp behind it).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from reelforge.domain import Brief, Plan, Scene
from reelforge.providers.base import ScriptResult
from reelforge.providers.script import phrases
from reelforge.settings import Settings
from reelforge.text import count_words

WORDS_PER_SECOND = 2.5
SECONDS_PER_SCENE = 6.5
NEGATIVE_PROMPT = "blurry, low quality, distorted, watermark, text artifacts, extra limbs"
STOPWORDS = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "on",
        "in",
        "to",
        "for",
        "with",
        "about",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "we",
        "our",
        "they",
        "their",
        "i",
        "me",
        "my",
        "why",
        "how",
        "what",
        "when",
        "where",
        "who",
        "which",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "just",
        "really",
        "very",
        "more",
        "most",
        "than",
        "then",
        "so",
        "such",
        "seconds",
        "second",
        "minutes",
        "minute",
        "video",
        "short",
        "explain",
        "explainer",
        "think",
        "know",
        "things",
        "facts",
        "reasons",
        "ways",
        "tips",
        "top",
        "story",
        "tale",
        "our",
        "new",
    ]
)
_LEADING_NOISE = re.compile(
    r"^(?:\d+\s*(?:seconds?|secs?|s|minutes?|mins?)\s+(?:on|about|of)\s+|"
    r"(?:a|an)\s+(?:short\s+)?(?:video|explainer|story|clip)\s+(?:about|on|of)\s+|"
    r"tell\s+me\s+about\s+|explain\s+|introducing\s+|the\s+story\s+of\s+|story\s+of\s+|"
    r"(?:top\s+)?(?:\d+|three|four|five|six|seven|eight|ten)\s+(?:\w+\s+)?(?:reasons|ways|things|"
    r"facts|tips|signs|secrets|mistakes)\s+(?:to|about|of|for|why|that)?\s*)",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^(why|how)\s+(.+?)\s+(are|is|can|could|will|was|were|have|has)\s+(.+?)[?.!]*$", re.IGNORECASE
)
_NUMBER_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10}


@dataclass(frozen=True)
class PromptReading:
    """What the writer understood of the prompt."""

    topic: str
    claim: str
    question: str
    keywords: list[str]
    template: str
    count: int | None


def scene_count(duration_s: float) -> int:
    """How many scenes the template writer plans for a video of ``duration_s`` (the estimate
    asks too, so it quotes what will run)."""
    return max(3, min(8, round(duration_s / SECONDS_PER_SCENE)))


def choose_template(prompt: str) -> str:
    text = prompt.lower()
    if re.search(
        r"\b(\d+|three|four|five|six|seven|eight|ten)\s+\w*\s*(reasons|ways|things|facts|tips|"
        r"signs|secrets|mistakes)\b",
        text,
    ) or text.startswith("top "):
        return "listicle"
    if re.search(r"\b(story|tale|once upon|journey|history of|how .* became)\b", text):
        return "story"
    if re.search(r"\b(introducing|launch|buy|sale|discount|our (app|product|service)|try)\b", text):
        return "promo"
    return "explainer"


def read_prompt(prompt: str, template: str | None = None) -> PromptReading:
    original = prompt.strip()
    chosen = template or choose_template(original)
    count_match = re.search(r"\b(\d+|three|four|five|six|seven|eight|ten)\b", original.lower())
    text = original
    while (stripped := _LEADING_NOISE.sub("", text).strip()) != text:
        text = stripped
    text = text.rstrip(".!") or original
    count = None
    if count_match:
        token = count_match.group(1)
        count = int(token) if token.isdigit() else _NUMBER_WORDS.get(token)
    match = _QUESTION.match(text)
    if match:
        wh, subject, aux, rest = match.groups()
        topic, claim = subject, f"{aux} {rest}"
        question = f"{wh.capitalize()} {aux.lower()} {subject} {rest}?"
    else:
        words = re.sub(
            r"^(why|how|what|the story of|story of|top \d+|\d+)\s+", "", text, flags=re.IGNORECASE
        ).rstrip("?")
        topic = " ".join(words.split()[:6]) or text
        claim = ""
        question = text if text.endswith("?") else f"What makes {topic} so interesting?"
    first_word = topic.split()[0] if topic.split() else ""
    if (
        topic[:1].isupper()
        and topic[1:2].islower()
        and (original.startswith(first_word) or first_word.lower() in STOPWORDS)
    ):
        topic = topic[:1].lower() + topic[1:]  # sentence case of the prompt, not a proper noun
    keywords: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text):
        lw = word.lower()
        if lw not in STOPWORDS and len(lw) > 2 and lw not in keywords:
            keywords.append(lw)
    return PromptReading(
        topic=topic,
        claim=claim,
        question=question,
        keywords=keywords or [topic.lower()],
        template=chosen,
        count=count,
    )


def _fill(sentence: str, reading: PromptReading, key: str, n: int) -> str:
    claim_or_works = f"{reading.claim}," if reading.claim else "works"
    return sentence.format(
        topic=reading.topic,
        Topic=reading.topic[:1].upper() + reading.topic[1:],
        claim=reading.claim,
        claim_or_works=claim_or_works,
        key=key,
        Key=key.capitalize(),
        n=n,
        Question=reading.question,
        question_lower=reading.question[:1].lower() + reading.question[1:],
        Count=str(reading.count or "These"),
    )


def _words(sentences: list[str]) -> int:
    return sum(count_words(s) for s in sentences)


def _fitting(rng: random.Random, options: list[str], budget: int) -> str:
    """A random option that fits the word budget, else the shortest one."""
    fitting = [o for o in options if count_words(o) <= max(budget, 3)]
    return rng.choice(fitting) if fitting else min(options, key=count_words)


class TemplateScriptWriter:
    """ScriptWriter that needs no network and no model; deterministic per (prompt, seed)."""

    name = "template-writer"
    version = "1"

    @classmethod
    def from_settings(cls, settings: Settings) -> TemplateScriptWriter:
        return cls()

    def write(self, brief: Brief) -> ScriptResult:
        reading = read_prompt(brief.prompt, brief.template)
        rng = random.Random(f"{brief.prompt}|{brief.seed}")
        t = reading.template
        n_scenes = scene_count(brief.duration_s)
        words_per_scene = max(6, int(brief.duration_s * WORDS_PER_SECOND / n_scenes))
        body = list(phrases.BODY[t])
        rng.shuffle(body)
        used: set[str] = set()
        first, middle, last = phrases.MOOD_ARCS[t]
        titles = phrases.TITLES[t]
        scenes: list[Scene] = []
        for i in range(n_scenes):
            key = reading.topic

            def fill(sentence: str, i: int = i, key: str = key) -> str:
                return _fill(sentence, reading, key, i)

            sentences: list[str] = []
            if i == 0:
                sentences.append(
                    _fitting(rng, [fill(h) for h in phrases.HOOKS[t]], words_per_scene)
                )
            elif t == "listicle" and i < n_scenes - 1:
                sentences.append(f"Number {i}.")
            closer = ""
            if i == n_scenes - 1:
                closer = _fitting(
                    rng, [fill(c) for c in phrases.CLOSERS[t]], words_per_scene - _words(sentences)
                )
            budget = words_per_scene - count_words(closer)
            while True:
                remaining = budget - _words(sentences)
                unused = [fill(b) for b in body if fill(b) not in used]
                if not unused:  # a long video has used the whole bank: start it over
                    used = {x for x in used if x in sentences}
                    unused = [fill(b) for b in body if fill(b) not in used]
                fitting = [b for b in unused if count_words(b) <= remaining + 2]
                if not fitting or (sentences and remaining < 3):
                    break
                choice = fitting[0]
                used.add(choice)
                sentences.append(choice)
            if not sentences and not closer:
                sentences.append(min(unused or [fill(body[0])], key=count_words))
            if closer:
                sentences.append(closer)
            mood = first if i == 0 else last if i == n_scenes - 1 else middle
            if i == 0:
                title = reading.question.rstrip("?") if reading.claim else reading.topic.title()
            else:
                title = titles[(i - 1) % len(titles)].format(n=i)
            focus = reading.keywords[i % len(reading.keywords)]
            visual = (
                f"{focus}, {reading.topic}, {mood} atmosphere, cinematic lighting, "
                f"shallow depth of field, vertical short-form video"
            )
            scenes.append(
                Scene(
                    index=i,
                    title=title,
                    narration=" ".join(sentences),
                    visual_prompt=visual,
                    negative_prompt=NEGATIVE_PROMPT,
                    mood=mood,
                    keywords=reading.keywords[i % len(reading.keywords) :][:3]
                    or reading.keywords[:3],
                )
            )
        music_mood = brief.music_mood or middle
        plan = Plan(
            title=reading.question.rstrip("?") if reading.claim else reading.topic.title(),
            template=t,
            scenes=scenes,
            mood=music_mood,
            music_brief=f"{music_mood}: {phrases.MUSIC_BRIEFS[t]}",
            hashtags=[f"#{k.replace('-', '')}" for k in reading.keywords[:4]] + ["#shorts"],
        )
        return ScriptResult(plan=plan)
