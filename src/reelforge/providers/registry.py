"""The one engine table: which engine serves each capability, for every interface.

The estimate, the studio's engine pickers, the API's catalog, ``reelforge providers``, the CLI's
``make`` and the worker all read this module, so what is quoted is what runs.
"auto" means: the remote engine when its key is configured, else the offline engine. Voice ids
carry their engine: ``joe`` (Piper), ``espeak:en-gb+f3``, ``hume:<name>``, ``openai:<voice>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelforge.domain import Brief
from reelforge.errors import InputError
from reelforge.providers.base import MusicSource, ScriptWriter, VideoGenerator, Voice, VoiceInfo
from reelforge.settings import Settings

#: Engines a job may choose per step (the server's settings choose when a job names none).
ENGINE_CHOICES: dict[str, tuple[str, ...]] = {
    "script": ("template", "openai"),
    "voice": ("piper", "espeak", "hume", "openai"),
    "video": ("local", "runware"),
    "music": ("auto", "builtin", "catalog", "library", "composed"),
}
#: The name each choice's engine records in the manifest (``StepRecord.engine``).
ENGINE_NAMES: dict[tuple[str, str], str] = {
    ("script", "template"): "template-writer", ("script", "openai"): "openai",
    ("script", "your-script"): "your-script", ("script", "extractive"): "extractive-writer",
    ("voice", "piper"): "piper", ("voice", "espeak"): "espeak-ng", ("voice", "hume"): "hume",
    ("voice", "openai"): "openai", ("video", "local"): "local-renderer",
    ("video", "runware"): "runware", ("music", "builtin"): "builtin-catalog",
    ("music", "library"): "semantic", ("music", "catalog"): "semantic-catalog",
    ("music", "composed"): "composer", ("music", "auto"): "semantic+composer",
    # a montage (``Brief.narration`` False): no writer, no voice, the creator's shots only
    ("script", "montage"): "montage-plan", ("voice", "none"): "none",
    ("video", "footage"): "footage",
}
REMOTE = frozenset({("script", "openai"), ("voice", "hume"), ("voice", "openai"),
                    ("video", "runware"), ("music", "spotify")})


def settings_for(settings: Settings, engines: dict[str, str] | None) -> Settings:
    """The settings a job runs with when it names its own engine for some steps."""
    chosen: dict[str, str] = {}
    for step, engine in (engines or {}).items():
        if engine in ("", "auto"):
            continue
        if engine not in ENGINE_CHOICES.get(step, ()):
            raise InputError(f"unknown {step} engine {engine!r}", hint="choose one of "
                             f"{', '.join(ENGINE_CHOICES.get(step, ('auto',)))}")
        chosen[f"{step}_engine"] = engine
    return settings.model_copy(update=chosen) if chosen else settings


def selected_engines(settings: Settings, voice: str = "joe",
                     brief: Brief | None = None) -> dict[str, str]:
    """The choice that serves each capability for a brief spoken by ``voice`` (with the
    brief, the script choice also follows what it brings: a script, a text). A montage
    speaks no voice and shows only the creator's footage."""
    if brief is not None and not brief.narration:
        return {"script": "montage", "voice": "none", "video": "footage",
                "music": music_choice(settings)}
    return {"script": script_choice(settings, brief), "voice": voice_choice(voice),
            "video": video_choice(settings), "music": music_choice(settings)}


def script_choice(settings: Settings, brief: Brief | None = None) -> str:
    """A brief's own script is narrated as written ("your-script"); a source text is summarised
    by the LLM when one is configured, else by the extractive writer; a prompt alone goes to the
    LLM or the offline template writer."""
    if brief is not None and not brief.narration:
        return "montage"  # nothing is said: the plan is made from the brief alone
    if brief is not None and brief.script is not None:
        return "your-script"
    engine = settings.script_engine
    if engine == "openai" or (engine == "auto" and settings.openai_api_key is not None):
        return "openai"
    if brief is not None and brief.source_text is not None:
        return "extractive"
    return "template"


def video_choice(settings: Settings) -> str:
    engine = settings.video_engine
    if engine == "runware" or (engine == "auto" and settings.runware_api_key is not None):
        return "runware"
    return "local"


def music_choice(settings: Settings) -> str:
    """"auto" searches the built-in songs and the user's library by meaning and composes when
    the best match is weak; "library" searches the same and never composes; "catalog" searches
    the built-in songs only; "builtin" picks from them by mood words; "composed" always
    composes. For music "auto" is an engine of its own, not a shorthand for another."""
    return settings.music_engine


def voice_choice(voice: str) -> str:
    """The voice id decides its engine (a bare id is a Piper voice)."""
    prefix, _, rest = voice.partition(":")
    if rest and prefix in ("hume", "openai", "espeak", "piper"):
        return prefix
    return "piper"


def check_voice_engine(voice: str, engines: dict[str, str] | None) -> None:
    """A job that names a voice engine must use a voice of that engine (one decision)."""
    named = (engines or {}).get("voice", "")
    if named in ("", "auto"):
        return
    spoken_by = voice_choice(voice)
    if named != spoken_by:
        raise InputError(f"voice {voice!r} is spoken by {spoken_by}, not by the chosen voice "
                         f"engine {named}",
                         hint=f"pick a {named} voice (e.g. {named}:<name>) or the engine auto")


def script_writer(settings: Settings, brief: Brief | None = None) -> ScriptWriter:
    choice = script_choice(settings, brief)
    if choice == "montage":
        from reelforge.providers.script.montage import MontagePlanWriter

        return MontagePlanWriter.from_settings(settings)
    if choice == "your-script":
        from reelforge.providers.script.user_script import UserScriptWriter

        return UserScriptWriter.from_settings(settings)
    if choice == "extractive":
        from reelforge.providers.script.extractive import ExtractiveScriptWriter

        return ExtractiveScriptWriter.from_settings(settings)
    if choice == "openai":
        from reelforge.providers.script.openai_writer import OpenAIScriptWriter

        return OpenAIScriptWriter.from_settings(settings)
    from reelforge.providers.script.template import TemplateScriptWriter

    return TemplateScriptWriter.from_settings(settings)


def video_generator(settings: Settings) -> VideoGenerator:
    if video_choice(settings) == "runware":
        from reelforge.providers.video.runware import RunwareVideo

        return RunwareVideo.from_settings(settings)
    from reelforge.providers.video.local import LocalRenderer

    return LocalRenderer.from_settings(settings)


def music_source(settings: Settings) -> MusicSource:
    """The engine of ``music_choice`` (see there). Building one checks nothing: the composer
    checks FluidSynth and its soundfont on first use, naming the fix."""
    choice = music_choice(settings)
    if choice == "builtin":
        from reelforge.providers.music.builtin import BuiltinCatalog

        return BuiltinCatalog.from_settings(settings)
    from reelforge.providers.music.composer import Composer

    if choice == "composed":
        return Composer.from_settings(settings)
    from reelforge.providers.music.semantic import SemanticMusicSource

    if choice == "catalog":
        return SemanticMusicSource.from_settings(settings, sources=("builtin",))
    searcher = SemanticMusicSource.from_settings(settings)
    if choice == "library":
        return searcher
    from reelforge.providers.music.search_or_compose import SearchOrCompose

    return SearchOrCompose(searcher, Composer.from_settings(settings),
                           settings.music_compose_below)


@dataclass(frozen=True)
class VoiceChoice:
    """The engine to speak with and the engine-local voice id to pass it."""

    engine: Voice
    voice_id: str


def voice_for(voice: str, settings: Settings) -> VoiceChoice:
    """Resolve a user's ``--voice`` to an engine; unknown voices are an InputError."""
    prefix, _, rest = voice.partition(":")
    choice = voice_choice(voice)
    if choice == "hume":
        from reelforge.providers.voice.hume import HumeVoice

        return VoiceChoice(HumeVoice.from_settings(settings), rest)
    if choice == "openai":
        from reelforge.providers.voice.openai_speech import OpenAISpeechVoice

        return VoiceChoice(OpenAISpeechVoice.from_settings(settings), rest)
    if choice == "espeak":
        from reelforge.providers.voice.espeak import EspeakVoiceEngine, espeak_voices

        if voice not in {v.id for v in espeak_voices()}:
            raise InputError(f"unknown voice {voice!r}", hint="run `reelforge voices` to list them")
        return VoiceChoice(EspeakVoiceEngine.from_settings(settings), voice)
    from reelforge.providers.voice.piper import PiperVoiceEngine

    piper = PiperVoiceEngine.from_settings(settings)
    name = rest if prefix == "piper" and rest else voice
    if name in {v.id for v in piper.voices()}:
        return VoiceChoice(piper, name)
    raise InputError(
        f"unknown voice {voice!r}",
        hint="run `reelforge voices` to list them (e.g. joe, espeak:en-gb+f3, hume:<name>)",
    )


def offline_voices(settings: Settings) -> list[VoiceInfo]:
    """Every voice usable without a network: Piper's, then espeak-ng's when it is installed."""
    from reelforge.providers.voice.espeak import EspeakVoiceEngine
    from reelforge.providers.voice.piper import PiperVoiceEngine

    voices = PiperVoiceEngine.from_settings(settings).voices()
    espeak = EspeakVoiceEngine.from_settings(settings)
    if espeak.available():
        voices += espeak.voices()
    return voices


# --- engine statuses: what `reelforge providers`, the studio and GET /v1/engines show ----------


@dataclass
class EngineStatus:
    capability: str
    engine: str
    kind: str  # offline | remote
    configured: bool
    selected: bool
    base_url: str = ""
    reachable: bool | None = None  # None: not checked
    detail: str = ""


def _composer_ready(settings: Settings) -> bool:
    from reelforge.providers.music.composer import Composer

    return Composer.from_settings(settings).available()


def engine_statuses(settings: Settings) -> list[EngineStatus]:
    """Every engine per capability; ``selected`` marks the one the table above picks (for the
    voice: the engine of the default voice, since the voice id decides)."""
    openai_key, hume_key = bool(settings.openai_api_key), bool(settings.hume_api_key)
    configured = {
        ("script", "openai"): openai_key, ("voice", "hume"): hume_key,
        ("voice", "openai"): openai_key, ("video", "runware"): bool(settings.runware_api_key),
        ("music", "composed"): _composer_ready(settings),
    }
    base_urls = {"openai": settings.openai_base_url, "hume": settings.hume_base_url,
                 "runware": settings.runware_base_url}
    details = {("voice", "hume"): "or --voice hume:<name>",
               ("voice", "openai"): "or --voice openai:<voice>",
               ("music", "library"): "semantic search: built-in songs + your library",
               ("music", "catalog"): "semantic search: built-in songs only",
               ("music", "auto"): "search, compose when the best match is weak",
               ("music", "composed"): "written for the video (FluidSynth)"}
    picked = selected_engines(settings)
    if settings.voice_engine not in ("auto", "piper"):
        picked["voice"] = settings.voice_engine
    statuses = []
    for capability, choices in ENGINE_CHOICES.items():
        for choice in choices:
            remote = (capability, choice) in REMOTE
            statuses.append(EngineStatus(
                capability, choice, "remote" if remote else "offline",
                configured.get((capability, choice), True), picked[capability] == choice,
                base_urls.get(choice, "") if remote else "",
                detail=details.get((capability, choice), "")))
    spotify = bool(settings.spotify_client_id and settings.spotify_client_secret)
    statuses.append(EngineStatus("music", "spotify", "remote", spotify, False,
                                 settings.spotify_api_url, detail="metadata only"))
    return statuses
