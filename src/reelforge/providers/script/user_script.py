"""Your own words: a script file as a plan, and a plan as that file (``--script``, ``--draft``).

The format is plain text or Markdown::

    title: Lisbon on a budget          (optional lines before the first scene:
    music: warm acoustic guitar         title, template, mood, music, hashtags)

    # The tram
    visual: a yellow tram on a steep street at dawn
    mood: calm

    Ride the 28 before nine and you have the whole city to yourself.

Each ``#`` heading starts a scene and is its title; a file without headings makes each
blank-line paragraph a scene. ``visual:``, ``mood:``, ``keywords:`` and ``avoid:`` lines belong
to the scene they are in; every other line is narration, spoken word for word (Markdown marks
such as ``**``, list bullets and link targets are not spoken). ``render_script`` writes a plan
in this format and ``parse_script`` reads it back to the same plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelforge.domain import Brief, Plan, Scene
from reelforge.errors import InputError
from reelforge.providers import pacing
from reelforge.providers.base import ScriptResult
from reelforge.settings import Settings
from reelforge.text import WORD

MAX_SCENES = 12
#: The mark of a draft's scene a person has yet to write (a script holding one is refused).
TODO = "TODO:"
DEFAULT_MUSIC = "calm, unobtrusive instrumental background that leaves room for the voice"
NEGATIVE_PROMPT = "blurry, low quality, distorted, watermark, text artifacts, extra limbs"
SCENE_KEYS = ("visual", "mood", "keywords", "avoid")
HEADER_KEYS = ("title", "template", "mood", "music", "hashtags")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+(.*?))?\s*#*\s*$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+>]\s+)+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`|~~|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
#: Words too common to be a scene's keywords.
_COMMON = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "on", "in", "to", "for", "with", "about", "from",
    "by", "at", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that",
    "these", "those", "you", "your", "we", "our", "they", "their", "i", "me", "my", "he", "she",
    "his", "her", "them", "there", "here", "what", "when", "where", "who", "which", "why", "how",
    "do", "does", "did", "can", "could", "should", "would", "will", "just", "not", "no", "so",
    "than", "then", "more", "most", "very", "all", "any", "some", "one", "if", "into", "out",
    "up", "over"
})
#: How each aspect's frame is described to a video engine.
FRAMES = {"9:16": "vertical 9:16 frame", "16:9": "wide 16:9 frame", "1:1": "square 1:1 frame"}


@dataclass
class _Draft:
    title: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @property
    def narration(self) -> str:
        return " ".join(" ".join(self.lines).split())


def spoken(line: str) -> str:
    """A line of Markdown as it is said: no bullets, emphasis marks or link targets."""
    line = _BULLET.sub("", line)
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub("", line)


def _read(text: str) -> tuple[dict[str, str], list[_Draft]]:
    """The header's fields and the scenes of a script, as written."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    headed = any(_HEADING.match(line) for line in lines)
    header: dict[str, str] = {}
    drafts: list[_Draft] = []
    current: _Draft | None = None
    blank_before = True
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            current = _Draft(title=(heading.group(1) or "").strip())
            drafts.append(current)
            continue
        if not line.strip():
            blank_before = True
            continue
        key_line = _KEY_LINE.match(line)
        key = key_line.group(1).lower() if key_line else ""
        if current is None and key in HEADER_KEYS and not (key == "mood" and drafts):
            header[key] = key_line.group(2) if key_line else ""
            blank_before = False
            continue
        if not headed and blank_before and (current is None or current.lines):
            current = _Draft()  # a paragraph starts a scene once the last one has words
            drafts.append(current)
        blank_before = False
        if current is None:
            current = _Draft()
            drafts.append(current)
        if key in SCENE_KEYS and key_line:
            current.fields[key] = key_line.group(2)
        else:
            current.lines.append(spoken(line))
    return header, drafts


def _keywords(text: str, title: str) -> list[str]:
    found: list[str] = []
    for word in WORD.findall(f"{title} {text}"):
        lw = word.lower().strip("'’-")
        if len(lw) > 3 and lw not in _COMMON and lw not in found:
            found.append(lw)
    return found[:3]


def parse_script(text: str, aspect: str = "9:16") -> Plan:
    """The plan a script file describes; narration is exactly the file's words. A script with
    no words, or with more scenes than a video holds, is one InputError saying which."""
    header, drafts = _read(text)
    scenes: list[Scene] = []
    for draft in drafts:
        narration = draft.narration
        if not WORD.search(narration):
            if draft.title or draft.fields:
                name = f"scene {len(scenes) + 1}" + (f" ({draft.title!r})" if draft.title else "")
                raise InputError(f"{name} of the script has no words to say",
                                 hint="write its narration under its heading, or delete it")
            continue
        if TODO in narration:
            raise InputError(f"scene {len(scenes) + 1} of the script still says {narration!r}",
                             hint=f"write what it should say in place of the {TODO} mark")
        title = draft.title or ""
        keywords = [k.strip() for k in draft.fields.get("keywords", "").split(",") if k.strip()]
        keywords = keywords or _keywords(narration, title)
        visual = draft.fields.get("visual") or (
            f"{title or ', '.join(keywords) or narration[:80]}, cinematic lighting, "
            f"{FRAMES.get(aspect, FRAMES['9:16'])}")
        scenes.append(Scene(index=len(scenes), title=title, narration=narration,
                            visual_prompt=visual, negative_prompt=draft.fields.get(
                                "avoid", NEGATIVE_PROMPT),
                            mood=draft.fields.get("mood") or "calm", keywords=keywords))
    if not scenes:
        raise InputError("the script has no words to say",
                         hint="write the narration as paragraphs, one per scene (see "
                              "`reelforge make --help`)")
    if len(scenes) > MAX_SCENES:
        raise InputError(f"the script has {len(scenes)} scenes; a video holds at most "
                         f"{MAX_SCENES}", hint="join some paragraphs (a blank line starts a scene)")
    mood = header.get("mood") or scenes[0].mood
    return Plan(
        title=header.get("title") or scenes[0].title or scenes[0].narration[:60],
        template=header.get("template") or "script",
        scenes=scenes,
        music_brief=header.get("music") or f"{mood}: {DEFAULT_MUSIC}",
        mood=mood,
        hashtags=header["hashtags"].split() if header.get("hashtags") else [],
    )


def render_script(plan: Plan) -> str:
    """The plan as an editable script file; ``parse_script`` reads it back to the same plan."""
    out = [f"title: {plan.title}", f"template: {plan.template}", f"mood: {plan.mood}",
           f"music: {plan.music_brief}"]
    if plan.hashtags:
        out.append(f"hashtags: {' '.join(plan.hashtags)}")
    for scene in plan.scenes:
        out += ["", f"# {scene.title}".rstrip(), f"visual: {scene.visual_prompt}",
                f"mood: {scene.mood}", f"keywords: {', '.join(scene.keywords)}"]
        if scene.negative_prompt:
            out.append(f"avoid: {scene.negative_prompt}")
        out += ["", scene.narration]
    return "\n".join(out) + "\n"


def check_fits(plan: Plan, brief: Brief) -> None:
    """A script longer than the video is one clear error naming the length it needs."""
    speech = sum(pacing.speech_seconds(s.narration, brief.emotion, brief.intensity)
                 for s in plan.scenes)
    needed = speech + pacing.FIRST_LEAD_S + pacing.END_S + pacing.GAP_S * (len(plan.scenes) - 1)
    if needed > brief.duration_s * 1.03:
        raise InputError(
            f"the script takes about {needed:.0f} s to say, longer than the {brief.duration_s:g} s "
            "asked for", hint=f"give --duration {needed:.0f} or more (or leave --duration out "
                              "and the video follows the script), or shorten the script")


def script_seconds(script: str, emotion: str = "neutral", intensity: float = 0.5) -> float:
    """The length of the video a script makes when no duration is asked for."""
    plan = parse_script(script)
    speech = sum(pacing.speech_seconds(s.narration, emotion, intensity) for s in plan.scenes)
    around = pacing.FIRST_LEAD_S + pacing.END_S + pacing.GAP_S * (len(plan.scenes) - 1)
    return round((speech + around) / (1 - pacing.MARGIN), 1)


class UserScriptWriter:
    """The 'script writer' of a brief that brings its own script: it writes nothing, it reads."""

    name = "your-script"
    version = "1"

    @classmethod
    def from_settings(cls, settings: Settings) -> UserScriptWriter:
        return cls()

    def write(self, brief: Brief) -> ScriptResult:
        if brief.script is None:
            raise InputError("the brief has no script", hint="give one with --script FILE")
        plan = parse_script(brief.script, brief.aspect)
        check_fits(plan, brief)
        return ScriptResult(plan=plan)
