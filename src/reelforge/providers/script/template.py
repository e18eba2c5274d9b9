"""The offline script writer: the prompt becomes a titled plan of 3–8 scenes from phrase banks.

No small local LLM on PyPI writes usable scripts (DESIGN.md), so this writer is deterministic and
honest about what it is: it reads the prompt's subject, claim and key words, picks a template
(explainer, story, listicle, promo), and sizes each scene's narration to the target duration at
the voice's measured pace (``providers/pacing.py``). Its banks are small: past about a minute,
sentences start to recur (across scenes, never within one); long scripts want the
OpenAI-compatible writer (or a local LLM served by Ollama, vLLM or llama.cpp behind it).

It never invents facts: a list ("5 budget travel tips for Lisbon in autumn") promises items it
cannot know, so it declines with ``ScriptNeedsContent`` whose draft holds the numbered scenes for
a person to fill (``reelforge make --draft``). The topic keeps every word, number and capital of
the prompt.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from reelforge.domain import Brief, Plan, Scene
from reelforge.errors import ScriptNeedsContent
from reelforge.providers import pacing
from reelforge.providers.base import ScriptResult
from reelforge.providers.script import phrases
from reelforge.providers.script.user_script import FRAMES
from reelforge.settings import Settings

SECONDS_PER_SCENE = 6.5
#: A list's items beyond this many are not drafted (a video holds at most 12 scenes).
MAX_ITEMS = 10
#: What a draft's item scenes say until a person writes them (``--script`` refuses it).
FILL_IN = "TODO: write {item} {n} here."
LIST_NOUNS = r"reasons|ways|things|facts|tips|signs|secrets|mistakes|hacks|habits|ideas|lessons"
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
    r"tell\s+me\s+about\s+|explain\s+|introducing\s+|the\s+story\s+of\s+|story\s+of\s+)",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^(why|how)\s+(.+?)\s+(are|is|can|could|will|was|were|have|has)\s+(.+?)[?.!]*$", re.IGNORECASE
)
_LIST = re.compile(
    rf"\b(\d+|three|four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){{0,3}}?({LIST_NOUNS})\b",
    re.IGNORECASE)
_NUMBER_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}


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
    if _LIST.search(text) or text.startswith("top "):
        return "listicle"
    if re.search(r"\b(story|tale|once upon|journey|history of|how .* became)\b", text):
        return "story"
    if re.search(r"\b(introducing|launch|buy|sale|discount|our (app|product|service)|try)\b", text):
        return "promo"
    return "explainer"


def _headline(text: str) -> str:
    """The prompt as a title: its own words and capitals, the first letter raised."""
    return text[:1].upper() + text[1:]


def read_prompt(prompt: str, template: str | None = None) -> PromptReading:
    original = " ".join(prompt.split())
    chosen = template or choose_template(original)
    count_match = _LIST.search(original) or re.search(
        r"\b(\d+|three|four|five|six|seven|eight|nine|ten)\b", original, re.IGNORECASE)
    text = original
    while (stripped := _LEADING_NOISE.sub("", text).strip()) != text:
        text = stripped
    text = text.rstrip(".!") or original
    count = None
    if count_match:
        token = count_match.group(1).lower()
        count = int(token) if token.isdigit() else _NUMBER_WORDS.get(token)
    match = _QUESTION.match(text)
    if match:
        wh, subject, aux, rest = match.groups()
        topic, claim = subject, f"{aux} {rest}"
        question = f"{wh.capitalize()} {aux.lower()} {subject} {rest}?"
    else:
        words = re.sub(r"^(why|how|what)\s+", "", text, flags=re.IGNORECASE).rstrip("?")
        topic = words or text  # every word and number of the subject, as written
        claim = ""
        question = text if text.endswith("?") else f"What makes {topic} so interesting?"
    first_word = topic.split()[0] if topic.split() else ""
    if (
        topic[:1].isupper()
        and topic[1:2].islower()
        and "'" not in first_word
        and (original.startswith(first_word) or first_word.lower() in STOPWORDS)
    ):
        topic = topic[:1].lower() + topic[1:]  # sentence case of the prompt, not a proper noun
    keywords: list[str] = []
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]+", text):
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


class _Pace:
    """Seconds a brief's voice takes to say things (the writer sizes by it, not by words)."""

    def __init__(self, brief: Brief) -> None:
        self.emotion, self.intensity = brief.emotion, brief.intensity

    def __call__(self, sentences: list[str]) -> float:
        return pacing.speech_seconds(" ".join(sentences), self.emotion, self.intensity)


def _fitting(rng: random.Random, options: list[str], seconds: float, pace: _Pace) -> str:
    """A random option that fits in ``seconds``, else the shortest one."""
    fitting = [o for o in options if pace([o]) <= max(seconds, 1.2)]
    return rng.choice(fitting) if fitting else min(options, key=lambda o: pace([o]))


def list_draft(brief: Brief, reading: PromptReading) -> Plan:
    """The numbered scenes a list prompt promises, to be written by a person: a hook scene,
    one scene per item (``FILL_IN`` until written) and a closing scene."""
    match = _LIST.search(brief.prompt)
    noun = (match.group(2) if match else "point").lower().rstrip("s") or "point"
    n_scenes = scene_count(brief.duration_s)
    items = min(MAX_ITEMS, reading.count or max(1, n_scenes - 2))
    title = _headline(brief.prompt.rstrip(".!"))
    frame = FRAMES.get(brief.aspect, FRAMES["9:16"])
    first, middle, last = phrases.MOOD_ARCS["listicle"]
    scenes = [Scene(index=0, title=title, narration=f"{title}.", visual_prompt=(
                        f"{reading.topic}, {first} atmosphere, cinematic lighting, {frame}"),
                    negative_prompt=NEGATIVE_PROMPT, mood=first, keywords=reading.keywords[:3])]
    for n in range(1, items + 1):
        scenes.append(Scene(
            index=n, title=f"{noun.capitalize()} {n}",
            narration=FILL_IN.format(item=noun, n=n),
            visual_prompt=f"{reading.topic}, {middle} atmosphere, cinematic lighting, {frame}",
            negative_prompt=NEGATIVE_PROMPT, mood=middle, keywords=reading.keywords[:3]))
    scenes.append(Scene(index=items + 1, title="Follow for more",
                        narration="Which one will you try first? Follow for more.",
                        visual_prompt=f"{reading.topic}, {last} atmosphere, {frame}",
                        negative_prompt=NEGATIVE_PROMPT, mood=last,
                        keywords=reading.keywords[:3]))
    mood = brief.music_mood or middle
    return Plan(title=title, template="listicle", scenes=scenes, mood=mood,
                music_brief=f"{mood}: {phrases.MUSIC_BRIEFS['listicle']}",
                hashtags=[f"#{k.replace('-', '')}" for k in reading.keywords[:4]] + ["#shorts"])


class TemplateScriptWriter:
    """ScriptWriter that needs no network and no model; deterministic per (prompt, seed)."""

    name = "template-writer"
    version = "2"

    @classmethod
    def from_settings(cls, settings: Settings) -> TemplateScriptWriter:
        return cls()

    def write(self, brief: Brief) -> ScriptResult:
        reading = read_prompt(brief.prompt, brief.template)
        if reading.template == "listicle":
            items = reading.count or "its"
            raise ScriptNeedsContent(
                f"the offline writer cannot know the {items} items that {brief.prompt!r} "
                "promises, and will not make a video that promises them and lists none",
                draft=list_draft(brief, reading),
                hint="ask for a draft (reelforge make --draft, or \"Review the script first\" in "
                     "the studio) to get the numbered scenes to fill in; or give your notes "
                     "with --from FILE; or set OPENAI_API_KEY (any OpenAI-compatible server, "
                     "e.g. a local Ollama)")
        rng = random.Random(f"{brief.prompt}|{brief.seed}")
        pace = _Pace(brief)
        t = reading.template
        n_scenes = scene_count(brief.duration_s)
        per_scene = pacing.speech_budget(brief.duration_s, n_scenes) / n_scenes
        body = list(phrases.BODY[t])
        rng.shuffle(body)
        used: set[str] = set()
        first, middle, last = phrases.MOOD_ARCS[t]
        titles = phrases.TITLES[t]
        frame = FRAMES.get(brief.aspect, FRAMES["9:16"])
        scenes: list[Scene] = []
        spent = 0.0  # seconds of speech written so far: each scene evens out the last one's
        for i in range(n_scenes):
            key = reading.topic
            budget = per_scene * (i + 1) - spent

            def fill(sentence: str, i: int = i, key: str = key) -> str:
                return _fill(sentence, reading, key, i)

            sentences: list[str] = []
            if i == 0:
                sentences.append(_fitting(rng, [fill(h) for h in phrases.HOOKS[t]], budget, pace))
            closer = ""
            if i == n_scenes - 1:
                closer = _fitting(rng, [fill(c) for c in phrases.CLOSERS[t]],
                                  budget - pace(sentences), pace)
            while True:
                remaining = budget - pace([*sentences, closer] if closer else sentences)
                unused = [fill(b) for b in body if fill(b) not in used]
                if not unused:  # a long video has used the whole bank: start it over
                    used = {x for x in used if x in sentences}
                    unused = [fill(b) for b in body if fill(b) not in used]
                fitting = [b for b in unused
                           if pace([*sentences, b, closer] if closer else [*sentences, b])
                           <= budget + 0.3]
                if not fitting or remaining < 0.8:
                    break
                # near the end of the budget the longest sentence that fits fills it best
                choice = fitting[0] if remaining > 4.0 else max(fitting, key=lambda b: pace([b]))
                used.add(choice)
                sentences.append(choice)
            if not sentences and not closer:
                sentences.append(min(unused or [fill(body[0])], key=lambda b: pace([b])))
            if closer:
                sentences.append(closer)
            spent += pace(sentences)
            mood = first if i == 0 else last if i == n_scenes - 1 else middle
            if i == 0:
                title = reading.question.rstrip("?") if reading.claim else _headline(brief.prompt)
            else:
                title = titles[(i - 1) % len(titles)].format(n=i)
            focus = reading.keywords[i % len(reading.keywords)]
            visual = (
                f"{focus}, {reading.topic}, {mood} atmosphere, cinematic lighting, "
                f"shallow depth of field, {frame}"
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
            title=reading.question.rstrip("?") if reading.claim else _headline(brief.prompt),
            template=t,
            scenes=scenes,
            mood=music_mood,
            music_brief=f"{music_mood}: {phrases.MUSIC_BRIEFS[t]}",
            hashtags=[f"#{k.replace('-', '')}" for k in reading.keywords[:4]] + ["#shorts"],
        )
        return ScriptResult(plan=plan)
