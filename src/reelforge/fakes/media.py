"""Real media for the fakes: speech from the offline voice, video from the local renderer.

The fakes answer with what the real services would send (a WAV of speech, an MP4 of the scene),
made by reelforge's own offline engines, so everything downstream handles genuine media.
Results are kept in a small in-memory cache: the same text or prompt is rendered once.
"""

from __future__ import annotations

import io
import tempfile
import threading
import wave
from collections import OrderedDict
from pathlib import Path
from typing import Any

from reelforge.settings import Settings

_CACHE_LIMIT = 64
_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()
_render_lock = threading.Lock()  # one render at a time: the machine's cores are shared


def _cached(key: tuple[object, ...]) -> bytes | None:
    with _cache_lock:
        value = _cache.get(key)
        if value is not None:
            _cache.move_to_end(key)
        return value


def _store(key: tuple[object, ...], value: bytes) -> bytes:
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_LIMIT:
            _cache.popitem(last=False)
    return value


def speech_wav(text: str, settings: Settings, *, emotion: str = "neutral") -> bytes:
    """A mono 16-bit WAV of ``text`` spoken by the offline voice."""
    key = ("speech", text, emotion)
    if (hit := _cached(key)) is not None:
        return hit
    from reelforge.providers.base import SpeechRequest

    engine = _offline_voice(settings)
    with _render_lock, tempfile.TemporaryDirectory(prefix="reelforge-fake-") as tmp:
        out = Path(tmp) / "speech.wav"
        engine.speak(SpeechRequest(sentences=(text,), voice=_default_voice(engine),
                                   emotion=emotion), out)
        return _store(key, out.read_bytes())


def video_mp4(
    prompt: str, width: int, height: int, duration_s: float, fps: int, settings: Settings
) -> bytes:
    """A silent H.264 MP4 of the prompt, made by the local renderer."""
    key = ("video", prompt, width, height, round(duration_s, 3), fps)
    if (hit := _cached(key)) is not None:
        return hit
    from reelforge.domain import Scene
    from reelforge.providers.base import ClipRequest

    renderer = _local_renderer(settings)
    scene = Scene(index=0, title=prompt[:60], narration=prompt, visual_prompt=prompt)
    with _render_lock, tempfile.TemporaryDirectory(prefix="reelforge-fake-") as tmp:
        out = Path(tmp) / "clip.mp4"
        renderer.generate(
            ClipRequest(scene=scene, width=width, height=height, fps=fps, duration_s=duration_s),
            out,
        )
        return _store(key, out.read_bytes())


def wav_duration(data: bytes) -> tuple[float, int]:
    """(seconds, sample rate) of a WAV in memory."""
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate(), wav.getframerate()


def wav_frames(data: bytes) -> tuple[bytes, int]:
    """(raw PCM frames, sample rate) of a mono 16-bit WAV in memory."""
    with wave.open(io.BytesIO(data)) as wav:
        return wav.readframes(wav.getnframes()), wav.getframerate()


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return buf.getvalue()


# --- the offline engines (built by the lead; constructed the way the registry does) ---------

_engines: dict[str, object] = {}


def _offline_voice(settings: Settings) -> Any:
    """The Piper engine, loaded once per process (loading the model is the slow part)."""
    from reelforge.providers.voice.piper import PiperVoiceEngine

    with _cache_lock:
        if "voice" not in _engines:
            _engines["voice"] = PiperVoiceEngine.from_settings(settings)
        return _engines["voice"]


def _default_voice(engine: Any) -> str:
    voices = engine.voices()
    return str(voices[0].id) if voices else "joe"


def _local_renderer(settings: Settings) -> Any:
    from reelforge.providers.video.local import LocalRenderer

    return LocalRenderer.from_settings(settings)


def encode_audio(wav: bytes, fmt: str, settings: Settings) -> bytes:
    """Re-encode a WAV as ``fmt`` (mp3, opus, aac, flac, pcm) the way the real services send it."""
    if fmt == "wav":
        return wav
    if fmt == "pcm":
        return wav_frames(wav)[0]
    from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg

    container = {"mp3": "mp3", "opus": "ogg", "aac": "adts", "flac": "flac"}[fmt]
    codec = {"mp3": "libmp3lame", "opus": "libopus", "aac": "aac", "flac": "flac"}[fmt]
    with tempfile.TemporaryDirectory(prefix="reelforge-fake-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / f"out.{fmt}"
        src.write_bytes(wav)
        run_ffmpeg(["-i", src, "-c:a", codec, "-f", container, dst],
                   ffmpeg=find_ffmpeg(settings.ffmpeg_binary), what=f"fake {fmt} encode")
        return dst.read_bytes()
