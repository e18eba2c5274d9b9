"""A brief is checked once, the same way, at the edge of every interface.

``parse_brief`` turns JSON-like data (an API body, a studio form, a JSONL line) into a Brief, the
first problem one error naming its field; ``check_brief`` adds what the model alone cannot know
(is the voice one we have, does it agree with the engine the job names) — before a job is
queued, budget held or a step run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic import ValidationError

from reelforge.domain import (
    CAPTION_STYLES,
    MAX_DURATION_S,
    MIN_DURATION_S,
    Brief,
    Emotion,
    MusicMood,
    Template,
)
from reelforge.errors import InputError, InvalidField
from reelforge.providers import registry
from reelforge.settings import Settings

#: The values a field takes, for the hint of an "unknown value" error.
CHOICES: dict[str, tuple[str, ...]] = {
    "emotion": get_args(Emotion),
    "music_mood": get_args(MusicMood),
    "template": get_args(Template),
    "aspect": ("9:16", "16:9", "1:1"),
    "captions": CAPTION_STYLES,
}


def parse_brief(data: Any, where: str = "brief",
                names: Mapping[str, str] | None = None) -> Brief:
    """A Brief from JSON-like data; the first bad field is one InvalidField naming it (as
    ``names`` calls it: the CLI says ``--emotion``, the API ``brief.emotion``)."""
    try:
        return Brief.model_validate(with_script_duration(data, where, names))
    except ValidationError as exc:
        raise brief_error(exc, where, names) from None


def with_script_duration(data: Any, where: str = "brief",
                         names: Mapping[str, str] | None = None) -> Any:
    """A brief that brings its own script and asks no duration lasts as long as the script
    takes to say (at the brief's emotion); other data is returned as it is."""
    if not isinstance(data, Mapping) or not isinstance(data.get("script"), str) or (
            data.get("duration_s") is not None):
        return data
    from reelforge.providers.script.user_script import script_seconds

    shown = (names or {}).get("script", f"{where}.script")
    try:
        seconds = script_seconds(data["script"], str(data.get("emotion") or "neutral"),
                                 float(data.get("intensity", 0.5)))
    except InputError as exc:
        raise InvalidField(f"{shown}: {exc.message}", field="script", hint=exc.hint) from None
    except (TypeError, ValueError):
        return data  # a bad emotion or intensity: the brief's own check names it
    if seconds > MAX_DURATION_S:
        raise InvalidField(f"{shown} takes about {seconds:.0f} s to say; a video is at most "
                           f"{MAX_DURATION_S:g} s", field="script", hint="shorten the script")
    return {**data, "duration_s": max(MIN_DURATION_S, seconds)}


def brief_error(exc: ValidationError, where: str = "brief",
                names: Mapping[str, str] | None = None) -> InvalidField:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "brief"
    shown = (names or {}).get(field, f"{where}.{field}")
    if first["type"] == "literal_error" and field in CHOICES:
        verb = "invalid" if field == "aspect" else "unknown"  # a shape, not a name
        return InvalidField(f"{verb} {shown} {first.get('input')!r}", field=field,
                            hint=f"use one of: {', '.join(CHOICES[field])}")
    return InvalidField(f"invalid {shown}: {first['msg']}", field=field,
                        hint="see POST /v1/jobs in /docs for the fields a brief takes")


def check_brief(brief: Brief, settings: Settings,
                engines: Mapping[str, str] | None = None, *, drafting: bool = False) -> None:
    """What the model cannot check alone: the job's engines exist, its voice is one we can
    speak with (offline voices are listed; a remote voice is its provider's to know), the
    voice agrees with a voice engine the job names, a script of its own reads and fits the
    duration, and the offline writer can write what the prompt promises (unless ``drafting``:
    a draft is the answer to a promise it cannot keep)."""
    chosen = dict(engines or {})
    job_settings = registry.settings_for(settings, chosen)  # an unknown engine: InputError
    choice = registry.script_choice(job_settings, brief)
    if choice == "your-script" or (choice == "template" and not drafting):
        try:  # offline and instant: a script that cannot be made is refused before queueing
            registry.script_writer(job_settings, brief).write(brief)
        except InvalidField:
            raise
        except InputError as exc:
            if choice == "template":
                raise
            raise InvalidField(exc.message, field="script", hint=exc.hint) from None
    if not brief.narration:
        return  # a montage speaks no voice
    try:
        registry.check_voice_engine(brief.voice, chosen)
        if registry.voice_choice(brief.voice) in ("piper", "espeak"):
            registry.voice_for(brief.voice, settings)
    except InputError as exc:
        raise InvalidField(exc.message, field="voice", hint=exc.hint) from None
