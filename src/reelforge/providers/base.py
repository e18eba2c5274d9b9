"""The four seams where engines are swapped.

Each capability is one small Protocol. A remote client, an offline engine and a test double all
satisfy it, and the pipeline never knows which it holds. ``name`` and ``version`` go into the
step-cache key, so bump ``version`` whenever an engine's output for the same input changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from reelforge.domain import Brief, Cue, Plan, ProviderCall, Scene, Track, Word


@runtime_checkable
class Engine(Protocol):
    """What the step cache keys on. Read-only: a version may be computed (the semantic music
    source's includes the catalog's state)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


# --- script ------------------------------------------------------------------------------------


@dataclass
class ScriptResult:
    plan: Plan
    calls: list[ProviderCall] = field(default_factory=list)


class ScriptWriter(Engine, Protocol):
    def write(self, brief: Brief) -> ScriptResult:
        """Turn a brief into a plan of scenes sized to the brief's duration."""
        ...


# --- voice -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str
    accent: str
    gender: str
    engine: str
    description: str = ""


@dataclass(frozen=True)
class SpeechRequest:
    """Sentences are spoken in order; each becomes one cue with its exact time."""

    sentences: tuple[str, ...]
    voice: str
    emotion: str = "neutral"
    intensity: float = 0.5
    seed: int = 0


@dataclass
class SpeechResult:
    duration_s: float
    sample_rate: int
    cues: list[Cue]
    calls: list[ProviderCall] = field(default_factory=list)
    #: Each word's time in the audio, when the engine knows it (Piper's alignments); else empty.
    words: list[Word] = field(default_factory=list)


class Voice(Engine, Protocol):
    def voices(self) -> list[VoiceInfo]:
        """Every voice this engine can speak with."""
        ...

    def speak(self, request: SpeechRequest, out_wav: Path) -> SpeechResult:
        """Write the speech as a mono WAV at ``out_wav``; return its duration and cues."""
        ...


# --- video -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipRequest:
    scene: Scene
    width: int
    height: int
    fps: int
    duration_s: float
    seed: int = 0


@dataclass
class ClipResult:
    duration_s: float
    width: int
    height: int
    fps: float
    calls: list[ProviderCall] = field(default_factory=list)


class VideoGenerator(Engine, Protocol):
    def generate(self, request: ClipRequest, out_mp4: Path) -> ClipResult:
        """Write a silent video for the scene at ``out_mp4`` (any size; assembly fits it)."""
        ...


# --- music -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MusicRequest:
    """What the video needs. Search sources read the query, moods and minimum length; a
    composer also reads the exact length, the scene boundaries (a section starts at each), the
    spans under narration (played softer) and the seed (same seed, same piece)."""

    query: str
    moods: tuple[str, ...] = ()
    min_duration_s: float = 0.0
    limit: int = 5
    usable_only: bool = True
    duration_s: float | None = None
    sections_s: tuple[float, ...] = ()
    speech_s: tuple[tuple[float, float], ...] = ()
    seed: int = 0


@dataclass(frozen=True)
class ScoredTrack:
    track: Track
    score: float
    reason: str


class MusicSource(Engine, Protocol):
    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        """Tracks that fit the request, best first."""
        ...
