"""Which engine serves each capability, chosen from settings (and, for voices, the voice id).

"auto" means: the remote engine when its key is configured, else the offline engine. Voice ids
carry their engine: ``joe`` (Piper), ``espeak:en-gb+f3``, ``hume:<name>``, ``openai:<voice>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelforge.errors import InputError
from reelforge.providers.base import MusicSource, ScriptWriter, VideoGenerator, Voice, VoiceInfo
from reelforge.settings import Settings


def script_writer(settings: Settings) -> ScriptWriter:
    engine = settings.script_engine
    if engine == "openai" or (engine == "auto" and settings.openai_api_key is not None):
        from reelforge.providers.script.openai_writer import OpenAIScriptWriter

        return OpenAIScriptWriter.from_settings(settings)
    from reelforge.providers.script.template import TemplateScriptWriter

    return TemplateScriptWriter.from_settings(settings)


def video_generator(settings: Settings) -> VideoGenerator:
    engine = settings.video_engine
    if engine == "runware" or (engine == "auto" and settings.runware_api_key is not None):
        from reelforge.providers.video.runware import RunwareVideo

        return RunwareVideo.from_settings(settings)
    from reelforge.providers.video.local import LocalRenderer

    return LocalRenderer.from_settings(settings)


def music_source(settings: Settings) -> MusicSource:
    """Semantic search over the indexed catalog (built-in + the user's songs); "builtin" keeps
    the simple pick-by-mood catalog that needs no analysis."""
    if settings.music_engine == "builtin":
        from reelforge.providers.music.builtin import BuiltinCatalog

        return BuiltinCatalog.from_settings(settings)
    from reelforge.providers.music.semantic import SemanticMusicSource

    return SemanticMusicSource.from_settings(settings)


@dataclass(frozen=True)
class VoiceChoice:
    """The engine to speak with and the engine-local voice id to pass it."""

    engine: Voice
    voice_id: str


def voice_for(voice: str, settings: Settings) -> VoiceChoice:
    """Resolve a user's ``--voice`` to an engine; unknown voices are an InputError."""
    prefix, _, rest = voice.partition(":")
    if rest and prefix == "hume":
        from reelforge.providers.voice.hume import HumeVoice

        return VoiceChoice(HumeVoice.from_settings(settings), rest)
    if rest and prefix == "openai":
        from reelforge.providers.voice.openai_speech import OpenAISpeechVoice

        return VoiceChoice(OpenAISpeechVoice.from_settings(settings), rest)
    if rest and prefix == "espeak":
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
