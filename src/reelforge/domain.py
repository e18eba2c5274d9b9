"""The domain types every layer speaks: a brief goes in, a plan, narration, clips, a track and a
timeline come out, and a manifest records how.

They are pydantic models because they cross process and network boundaries (plan.json,
manifest.json, the API, the step cache, OpenAI's structured output) and must validate there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reelforge.json_numbers import JsonInt, JsonNumber

Aspect = Literal["9:16", "16:9", "1:1"]
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}
Template = Literal["explainer", "story", "listicle", "promo"]
Emotion = Literal["neutral", "curious", "excited", "happy", "calm", "warm", "serious", "sad",
                  "dramatic", "confident", "mysterious"]
EMOTIONS: tuple[str, ...] = get_args(Emotion)
MusicMood = Literal["calm", "energetic", "happy", "nostalgic", "tender"]
MOODS: tuple[str, ...] = get_args(MusicMood)
CaptionStyle = Literal["karaoke", "pop", "box", "classic", "none"]
CAPTION_STYLES: tuple[str, ...] = get_args(CaptionStyle)
MIN_DURATION_S, MAX_DURATION_S = 5.0, 600.0
MAX_PROMPT_CHARS = 2000
#: A text with at least one word character and no NUL byte (a script, a source text).
HAS_WORDS = r"^[^\x00]*\w[^\x00]*$"
#: A script of your own (``--script``): about ten minutes of speech.
MAX_SCRIPT_CHARS = 20_000
#: An article or notes to turn into a script (``--from``).
MAX_SOURCE_CHARS = 200_000
#: ``Brief.footage`` that means the tenant's own footage library (anything else is a folder).
FOOTAGE_LIBRARY = "library"
#: At most this many scenes' shots picked by hand (a plan has at most 12 scenes).
MAX_FOOTAGE_SWAPS = 12
#: A footage shot's id: printable, no spaces (``<content hash>#<shot number>``).
SHOT_ID = re.compile(r"^[\w.:#-]{1,200}$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Brief(Model):
    """What the user asked for. Validated here so every interface gives the same errors."""

    #: The one rule between fields, said in the schema too (clients and fuzzers read it there).
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "not": {"required": ["script", "source_text"],
                "properties": {"script": {"type": "string"}, "source_text": {"type": "string"}}},
        "anyOf": [{"required": ["prompt"]},
                  {"required": ["script"], "properties": {"script": {"type": "string"}}},
                  {"required": ["source_text"], "properties": {"source_text": {"type": "string"}}}],
        # a montage (narration false) needs footage and has no words or swaps
        "if": {"required": ["narration"], "properties": {"narration": {"const": False}}},
        "then": {"required": ["footage"],
                 "properties": {"footage": {"type": "string"}, "script": {"type": "null"},
                                "source_text": {"type": "null"},
                                "footage_swaps": {"maxProperties": 0}}},
    })

    prompt: str = Field(default="", min_length=1, max_length=MAX_PROMPT_CHARS, pattern=r"\S",
                        description="What the video is about (some text, not only spaces); "
                                    "with a script or a source text it may be left out")
    duration_s: JsonNumber = Field(default=30.0, ge=MIN_DURATION_S, le=MAX_DURATION_S)
    aspect: Aspect = "9:16"
    voice: str = Field(default="joe", min_length=1, max_length=120)
    emotion: Emotion = "neutral"
    intensity: JsonNumber = Field(default=0.5, ge=0.0, le=1.0)
    seed: JsonInt = 0
    template: Template | None = None
    music_mood: MusicMood | None = None
    captions: CaptionStyle = "karaoke"
    #: Your own words, narrated exactly (the script format of ``providers/script/user_script``).
    script: str | None = Field(default=None, max_length=MAX_SCRIPT_CHARS, pattern=HAS_WORDS,
                               description="Your own words, narrated exactly (some words, "
                                           "no NUL bytes)")
    #: An article or notes the writer turns into a script.
    source_text: str | None = Field(default=None, max_length=MAX_SOURCE_CHARS, pattern=HAS_WORDS,
                                    description="An article or notes to make the script from")
    #: The creator's own footage to show instead of generated visuals: "library" or a folder.
    footage: str | None = Field(default=None, min_length=1, max_length=4096,
                                description='Your own footage for the scenes: "library" (the '
                                            "footage library) or a folder of videos and "
                                            "pictures (CLI only)")
    #: Shots the creator chose by hand: scene index (0-based, as in the manifest) → shot id of
    #: the footage library. The chooser's pick for every other scene stands.
    footage_swaps: dict[int, str] = Field(
        default_factory=dict, max_length=MAX_FOOTAGE_SWAPS,
        description="Your own pick for some scenes: scene index (0-based, as in the "
                    "manifest's footage list) → shot id of the footage library; needs footage")

    #: False: a montage (``--no-narration``): the footage cut on the music's beats, no voice.
    narration: bool = Field(
        default=True,
        description="False: a music-only montage of your footage, cut on the music's beats "
                    "(no script, no voice, no captions); needs footage")

    @field_validator("narration")
    @classmethod
    def _montage_needs_footage(cls, value: bool, info: ValidationInfo) -> bool:
        """A montage is made of the creator's shots and says nothing: it needs footage, and
        has no script, source text or per-scene swaps (there are no scenes)."""
        if value:
            return value
        if info.data.get("footage") is None:
            raise ValueError("a montage (no narration) is cut from your footage: give footage "
                             "\"library\" (or a folder with the CLI) as well")
        for field in ("script", "source_text"):
            if info.data.get(field) is not None:
                raise ValueError(f"a montage has no narration, so no {field.replace('_', ' ')} "
                                 "to speak: leave it out, or keep the narration")
        if info.data.get("footage_swaps"):
            raise ValueError("footage_swaps picks shots for narrated scenes; a montage has no "
                             "scenes: leave the swaps out")
        return value

    @model_validator(mode="before")
    @classmethod
    def _prompt_from_the_text(cls, data: object) -> object:
        """A brief with a script or a source text needs no prompt: its first line names it."""
        if isinstance(data, dict) and "prompt" not in data:
            text = data.get("script") or data.get("source_text")
            if not isinstance(text, str):
                raise ValueError("the prompt is empty: give a prompt, a script or a source text")
            if isinstance(text, str):
                lines = [line.strip().lstrip("#").strip() for line in text.splitlines()]
                titled = [line[6:].strip() for line in lines if line.lower().startswith("title:")]
                first = next((line for line in titled + lines
                              if line and ":" not in line[:12]), "")
                data = {**data, "prompt": first[:120] or "your own words"}  # words: checked below
        return data

    @field_validator("script", "source_text", mode="before")
    @classmethod
    def _text_has_words(cls, value: object) -> object:
        """Before the schema's pattern (the same rule), so the error says it in words."""
        if not isinstance(value, str):
            return value
        if "\x00" in value:
            raise ValueError("it is not text (it holds NUL bytes)")
        if not re.search(r"\w", value):
            raise ValueError("it has no words")
        return value

    @model_validator(mode="after")
    def _one_text(self) -> Brief:
        if self.script is not None and self.source_text is not None:
            raise ValueError("give a script or a source text, not both")
        return self

    @field_validator("footage")
    @classmethod
    def _footage_names_a_place(cls, value: str | None) -> str | None:
        """"library" (any case) or a folder path: not blank, no NUL byte, no line breaks."""
        if value is None:
            return None
        if not value.strip() or any(c in value for c in "\x00\r\n"):
            raise ValueError('give "library" or the path of a folder of videos and pictures')
        return FOOTAGE_LIBRARY if value.strip().lower() == FOOTAGE_LIBRARY else value.strip()

    @field_validator("footage_swaps")
    @classmethod
    def _swaps_name_scenes_and_shots(cls, value: dict[int, str]) -> dict[int, str]:
        for scene, shot_id in value.items():
            if not 0 <= scene < MAX_FOOTAGE_SWAPS:
                raise ValueError(f"scene index {scene} is not a scene (0 to "
                                 f"{MAX_FOOTAGE_SWAPS - 1}, as in the manifest)")
            if not SHOT_ID.match(shot_id):
                raise ValueError(f"{shot_id[:80]!r} is not a shot id (like "
                                 "\"3f1c0a9e5b7d2c41#0\", from the manifest or a footage search)")
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _swaps_need_footage(self) -> Brief:
        if self.footage_swaps and self.footage is None:
            raise ValueError("footage_swaps needs footage: give footage \"library\" (or a "
                             "folder with the CLI) as well")
        return self

    @field_validator("emotion", "music_mood", "template", "captions", mode="before")
    @classmethod
    def _names_ignore_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("prompt")
    @classmethod
    def _prompt_has_words(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the prompt is empty")
        return value

    @property
    def size(self) -> tuple[int, int]:
        return ASPECT_SIZES[self.aspect]


class Scene(Model):
    """One beat of the video: what is said, what is shown, how it feels."""

    index: int = Field(ge=0)
    title: str
    narration: str = Field(min_length=1)
    visual_prompt: str
    negative_prompt: str = ""
    mood: str = "calm"
    keywords: list[str] = Field(default_factory=list)


class Plan(Model):
    """The script: a titled list of scenes plus what the music should feel like."""

    title: str
    template: str
    scenes: list[Scene] = Field(min_length=1, max_length=12)
    music_brief: str
    mood: str = "calm"
    hashtags: list[str] = Field(default_factory=list)


class ProviderCall(Model):
    """One call to an engine: what it was, what it cost, how to find it in the vendor's logs."""

    provider: str
    operation: str
    model: str = ""
    duration_s: float = 0.0
    cost_usd: float = 0.0
    request_id: str | None = None
    attempts: int = 1


class Cue(Model):
    """A stretch of spoken text with its exact time in the audio it belongs to."""

    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class Word(Model):
    """One spoken word with its time (in the audio it belongs to) and the scene that says it."""

    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    scene_index: int = 0


class Narration(Model):
    """A scene's spoken audio (a WAV file) with one cue per synthesised sentence."""

    scene_index: int
    audio: str  # path of the WAV, relative to the job folder
    duration_s: float
    sample_rate: int
    cues: list[Cue]
    engine: str
    voice: str
    #: Word times the synthesiser itself reported (Piper's alignments); empty when it cannot.
    words: list[Word] = Field(default_factory=list)


class Clip(Model):
    """A scene's visuals: a silent video of the scene's exact duration."""

    scene_index: int
    video: str  # path relative to the job folder
    duration_s: float
    width: int
    height: int
    fps: float
    engine: str


class Track(Model):
    """A song. ``usable_as_audio`` is False for metadata-only sources such as Spotify."""

    id: str
    title: str
    artist: str = ""
    source: Literal["builtin", "library", "spotify", "composed"] = "builtin"
    path: str | None = None
    uri: str | None = None
    duration_s: float = 0.0
    moods: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    bpm: float | None = None
    key: str | None = None
    licence: str = ""
    usable_as_audio: bool = True


class MusicChoice(Model):
    """The track put under a video and why it was chosen."""

    track: Track
    query: str
    score: float
    reason: str
    start_s: float = 0.0  # where in the track the video's music begins


class TimelineScene(Model):
    scene_index: int
    start_s: float
    duration_s: float
    clip: str
    narration: str
    narration_start_s: float  # absolute time at which this scene's narration starts


class Timeline(Model):
    """Where everything sits in the final video, in seconds. Assembly renders exactly this."""

    width: int
    height: int
    fps: int
    crossfade_s: float
    duration_s: float
    scenes: list[TimelineScene]
    cues: list[Cue]  # absolute times, ready for subtitles
    music: MusicChoice | None = None


FootageTreatment = Literal["cut", "slow", "loop", "ken-burns", "engine"]


class FootagePick(Model):
    """A piece of the creator's footage put under a scene: which file, which seconds, how well
    it matched. A picture has ``start_s == end_s == 0``; ``shot_id`` names the content."""

    shot_id: str
    #: The file: its path while the job runs; in a platform job's manifest an uploaded file is
    #: named as its owner knows it (the upload's name, with ``item_id``), never by its server path.
    source: str
    kind: Literal["video", "picture"]
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    score: float  # cosine similarity to the scene's words (−1..1)
    #: The library item an uploaded file is (a platform job's manifest); None: a file of a folder.
    item_id: str | None = None
    #: Why these seconds of the shot: its steadiest and sharpest part, its middle, all of it.
    part: str = ""
    #: A picture's salient point (0..1 of its width and height: a face, else what stands out),
    #: which its slow zoom moves toward; None: the centre.
    focus: tuple[float, float] | None = None


class FootageChoice(Model):
    """What a scene shows of the creator's footage, and why (``make --footage``).

    ``shot`` None: nothing matched well enough, the video engine draws the scene. ``treatment``
    says how the shot fills the scene: a plain cut, slowed, looped, or a picture's slow zoom."""

    scene_index: int = Field(ge=0)
    shot: FootagePick | None = None
    runner_up: FootagePick | None = None
    reason: str = ""
    treatment: FootageTreatment = "engine"
    speed: float = Field(default=1.0, gt=0, le=1)  # playback speed of a slowed shot
    #: The shot was picked by the creator (``Brief.footage_swaps``), not by the chooser.
    swapped: bool = False
    #: Other shots this scene could show, best first (none used by another scene): what a
    #: swap offers.
    candidates: list[FootagePick] = Field(default_factory=list)


class MontageCut(Model):
    """One shot of a montage (``Brief.narration`` False): which seconds of which file, and
    where in the video it is cut in — on a beat of the music."""

    index: int = Field(ge=0)
    shot: FootagePick  # the file and its seconds shown (source time)
    at_s: float = Field(ge=0)  # where the shot starts in the video
    duration_s: float = Field(gt=0)
    #: The beat it starts on: its number in the music's beat grid (video time) and its time;
    #: None for a first shot that starts before the music's first beat.
    beat: int | None = None
    beat_s: float | None = None
    beats: int = Field(ge=0)  # whole beats it lasts (the last shot may end with the video)
    treatment: FootageTreatment = "cut"
    speed: float = Field(default=1.0, gt=0, le=1)
    #: Shown before in this video: the library was too short for distinct shots.
    reused: bool = False
    reason: str = ""


class Montage(Model):
    """How a montage was cut: the beat grid it followed and every shot, in order."""

    bpm: float
    beats_per_shot: int
    cuts: list[MontageCut]
    #: Seconds the library's distinct shots could not fill, and what was done about it.
    missing_s: float = 0.0
    note: str = ""


class StepRecord(Model):
    """How one pipeline step was done: the manifest's unit of account."""

    step: str
    engine: str
    engine_version: str
    inputs_hash: str
    duration_s: float
    cost_usd: float = 0.0
    cache_hit: bool
    outputs: list[str] = Field(default_factory=list)
    calls: list[ProviderCall] = Field(default_factory=list)


class PaidCallRecord(Model):
    """One paid call of a job as the spend ledger holds it — also the calls of earlier attempts
    and of steps this run took from the cache (the steps' own records show only fresh calls)."""

    step: str
    provider: str
    operation: str
    model: str = ""
    state: Literal["sent", "confirmed", "failed"]
    may_have_billed: bool
    cost_usd: float | None = None
    estimated_cost_usd: float = 0.0
    request_id: str | None = None

    @property
    def counted_usd(self) -> float:
        """What it counts for: its cost, or its estimate while it may have been billed."""
        if self.state == "confirmed":
            return self.cost_usd or 0.0
        return self.estimated_cost_usd if self.may_have_billed else 0.0


class Manifest(Model):
    """Everything a job did, written as manifest.json beside the video."""

    job_id: str
    reelforge_version: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    brief: Brief
    title: str = ""
    steps: list[StepRecord] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict)
    music: MusicChoice | None = None
    duration_s: float = 0.0
    wall_time_s: float = 0.0
    #: How each scene's words were timed: "synthesiser", "recogniser" or "proportional".
    word_timing: dict[str, str] = Field(default_factory=dict)
    #: The job's paid calls from the spend ledger (platform jobs; empty for the offline CLI).
    paid_calls: list[PaidCallRecord] = Field(default_factory=list)
    #: Each scene's shot of the creator's footage (``make --footage``), in scene order.
    footage: list[FootageChoice] = Field(default_factory=list)
    #: The montage's shots and cuts (``--no-narration``); None for a narrated video.
    montage: Montage | None = None

    @property
    def cost_usd(self) -> float:
        """What the job spent: the ledger's account when there is one (every attempt, failed
        calls that may have been billed), else the sum of this run's fresh calls."""
        if self.paid_calls:
            return sum(call.counted_usd for call in self.paid_calls)
        return sum(step.cost_usd for step in self.steps)


JobKind = Literal["make", "analyze", "index", "clips"]
JOB_KINDS: tuple[str, ...] = ("make", "analyze", "index", "clips")


class ClipsOrder(Model):
    """What a ``clips`` job cuts from its library video (``JobSpec.item_id``): at most
    ``count`` moments of ``min_s``..``max_s`` seconds, reframed to ``aspect`` (issue 18)."""

    count: int = Field(default=5, ge=1, le=20)
    min_s: float = Field(default=20.0, gt=0, le=600)
    max_s: float = Field(default=60.0, gt=0, le=600)
    aspect: str = "9:16"
    about: str = Field(default="", max_length=300)
    captions: CaptionStyle = "karaoke"
    visual_only: bool = False
    hook_title: bool = False
    music_item_id: str | None = None  # a song of the tenant's library under every clip


class JobSpec(Model):
    """What a queued job is to do: written once at submit, read by the worker.

    ``make``: ``brief``, the engine chosen per step (``engines``; a step not named uses the
    server's settings) and an edited ``plan`` that replaces the script writer. ``analyze``:
    ``item_id``, the library item to analyse; ``index``: ``item_id``, the video or picture to put
    in the tenant's footage library. Stored as JSON in the job row's ``brief`` column.
    """

    kind: JobKind = "make"
    brief: Brief | None = None
    engines: dict[str, str] = Field(default_factory=dict)
    plan: Plan | None = None
    item_id: str | None = None
    clips: ClipsOrder | None = None

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> JobSpec:
        if self.kind == "make" and self.brief is None:
            raise ValueError("a make job needs a brief")
        if self.kind in ("analyze", "index") and not self.item_id:
            raise ValueError(f"an {self.kind} job needs an item_id")
        if self.kind == "clips" and (not self.item_id or self.clips is None):
            raise ValueError("a clips job needs an item_id and its clips order")
        self.engines = {k: v for k, v in self.engines.items() if v not in ("", "auto")}
        return self

    def document(self) -> dict[str, Any]:
        """The JSON stored in the job row."""
        return self.model_dump(mode="json", exclude_defaults=True) | {"kind": self.kind}

    @classmethod
    def from_document(cls, kind: str, document: dict[str, Any]) -> JobSpec:
        """The spec of a stored job, also of rows written before specs existed (a brief with
        ``engines`` and ``plan`` keys tucked in, or ``{"item_id": …}``)."""
        if "kind" in document:
            return cls.model_validate(document)
        if kind == "analyze":
            return cls(kind="analyze", item_id=document.get("item_id"))
        flat = dict(document)
        engines, plan = flat.pop("engines", None) or {}, flat.pop("plan", None)
        return cls(kind="make", brief=Brief.model_validate(flat), engines=engines,
                   plan=Plan.model_validate(plan) if plan else None)

    @classmethod
    def of_row(cls, row: Any) -> JobSpec:
        """The spec of a job row (ORM object or Core row: anything with ``kind`` and ``brief``)."""
        return cls.from_document(row.kind, dict(row.brief or {}))

    def summary(self) -> dict[str, Any]:
        """The flat view interfaces show: the brief's fields, plus the engines and the edited
        plan when there are any (what the API's ``brief`` field has always held)."""
        if self.brief is None and self.clips is not None:
            return {"item_id": self.item_id, **self.clips.model_dump(mode="json")}
        if self.brief is None:
            return {"item_id": self.item_id} if self.item_id else {}
        found: dict[str, Any] = self.brief.model_dump(mode="json")
        if self.engines:
            found["engines"] = dict(self.engines)
        if self.plan is not None:
            found["plan"] = self.plan.model_dump(mode="json")
        return found


# --- the spend ledger's units (providers/spend.py records them; store/ledger.py keeps them) ----

CallState = Literal["sent", "confirmed", "failed"]


@dataclass(frozen=True)
class SpendScope:
    """Who pays for the calls made now: the tenant, its job (None outside a job) and step."""

    tenant_id: int
    job_id: str | None
    step: str


@dataclass(frozen=True)
class PaidRequest:
    """A paid call about to be sent; ``fingerprint`` names what was asked, not the attempt."""

    provider: str
    operation: str
    model: str
    fingerprint: str
    estimated_cost_usd: float


@dataclass(frozen=True)
class Settlement:
    """How a paid call ended: ``confirmed`` (with the provider's id and cost) or failed."""

    state: Literal["confirmed", "failed"]
    request_id: str | None = None
    cost_usd: float | None = None
    may_have_billed: bool = False
