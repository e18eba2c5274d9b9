"""What each mood sounds like when the composer writes it, and which mood a brief asks for.

A mood is a frozen recipe (key and mode, tempo range, harmonic rhythm, chord progressions, the
General MIDI programs of its four parts, texture, drums, loudness). A brief's words name a mood
directly ("tense chase at night"), or the nearest mood is found by MiniLM embedding of the brief
against each mood's description — and the resolution says which way it went.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Texture = Literal["arpeggio", "block", "ostinato", "pizzicato"]
Drums = Literal["", "light", "driving", "toms"]


@dataclass(frozen=True)
class MoodStyle:
    """One mood's recipe. Programs are General MIDI (0-based); progressions are scale degrees
    (0 = tonic) of the mood's mode, one chord per ``beats_per_chord`` beats. FluidR3's synth
    pads and leads (50, 51, 62, 80, 81, 87, 88, 90, 91, 94, 95, 98, 100) are recorded in
    anti-phase stereo and cancel in mono, so no mood uses them (test_composer checks)."""

    mood: str
    mode: Literal["major", "minor"]
    tonics: tuple[str, ...]
    tempo: tuple[int, int]
    beats_per_chord: int
    progressions: tuple[tuple[int, ...], ...]
    pad: int
    bass: int
    lead: int
    pulse: int
    texture: Texture
    drums: Drums
    loudness: int  # base MIDI velocity of the loudest section
    reverb: int  # CC91 send, 0..127
    description: str  # what the embedding of a brief is compared with


STYLES: dict[str, MoodStyle] = {s.mood: s for s in (
    MoodStyle("calm", "major", ("D", "F", "G"), (68, 80), 4, ((0, 4, 5, 3), (0, 3, 0, 4)),
              89, 32, 73, 46, "arpeggio", "", 84, 80,
              "calm peaceful relaxed gentle ambient quiet soft morning nature"),
    MoodStyle("tender", "major", ("C", "F", "Bb"), (66, 76), 4, ((0, 5, 3, 4), (0, 2, 3, 4)),
              48, 42, 0, 0, "arpeggio", "", 80, 70,
              "tender warm intimate heartfelt sweet gentle love family caring"),
    MoodStyle("happy", "major", ("C", "G", "D"), (112, 126), 4, ((0, 4, 5, 3), (0, 3, 4, 0)),
              0, 33, 24, 12, "block", "light", 100, 50,
              "happy cheerful joyful bright sunny fun upbeat celebration smile"),
    MoodStyle("energetic", "minor", ("E", "A", "D"), (124, 138), 4,
              ((0, 5, 6, 0), (0, 3, 5, 6)),
              48, 38, 29, 39, "ostinato", "driving", 108, 40,
              "energetic driving intense fast action sport workout power electric"),
    MoodStyle("nostalgic", "major", ("Eb", "Ab", "F"), (80, 92), 4,
              ((0, 2, 3, 4), (5, 3, 0, 4)),
              49, 32, 4, 4, "arpeggio", "light", 86, 75,
              "nostalgic wistful memories old photographs childhood longing bittersweet"),
    MoodStyle("tense", "minor", ("A", "D", "C"), (96, 110), 2, ((0, 0, 5, 4), (0, 1, 0, 4)),
              44, 43, 71, 48, "ostinato", "toms", 98, 55,
              "tense suspense thriller chase danger night anxious pursuit"),
    MoodStyle("dark", "minor", ("C", "F", "B"), (60, 72), 4, ((0, 5, 3, 0), (0, 3, 4, 0)),
              89, 43, 52, 42, "block", "", 90, 85,
              "dark ominous sinister shadow horror gloomy storm menace"),
    MoodStyle("epic", "minor", ("D", "C", "G"), (88, 100), 4, ((0, 5, 2, 6), (0, 5, 3, 4)),
              48, 43, 60, 61, "ostinato", "toms", 112, 80,
              "epic heroic grand majestic reveal battle triumph cinematic trailer"),
    MoodStyle("sad", "minor", ("D", "G", "E"), (60, 70), 4, ((0, 3, 5, 4), (0, 5, 3, 4)),
              49, 42, 0, 0, "arpeggio", "", 78, 85,
              "sad sorrow grief loss memorial mourning lonely tears melancholic"),
    MoodStyle("mysterious", "minor", ("B", "E", "F#"), (72, 84), 4,
              ((0, 6, 5, 6), (0, 3, 0, 4)),
              89, 32, 8, 11, "arpeggio", "", 82, 95,
              "mysterious enigmatic curious secret unknown space discovery eerie"),
    MoodStyle("playful", "major", ("F", "C", "G"), (116, 130), 2, ((0, 3, 4, 0), (0, 5, 1, 4)),
              48, 70, 71, 45, "pizzicato", "light", 96, 40,
              "playful funny quirky cartoon kids silly bouncy mischievous"),
    MoodStyle("romantic", "major", ("Ab", "Eb", "C"), (66, 80), 4, ((0, 5, 1, 4), (0, 2, 3, 4)),
              48, 42, 0, 0, "arpeggio", "", 86, 80,
              "romantic love passion wedding couple candlelight tender kiss"),
    MoodStyle("inspiring", "major", ("C", "D", "G"), (96, 110), 4, ((0, 4, 5, 3), (5, 3, 0, 4)),
              48, 33, 60, 0, "ostinato", "driving", 104, 65,
              "inspiring uplifting hopeful motivational achievement rising success dream"),
)}
MOODS: tuple[str, ...] = tuple(STYLES)
#: FluidR3 programs whose stereo channels cancel when summed to mono (measured: L/R correlation
#: below −0.4 for a held chord).
ANTI_PHASE_PROGRAMS = frozenset({50, 51, 62, 80, 81, 87, 88, 90, 91, 94, 95, 98, 100})


@dataclass(frozen=True)
class MoodResolution:
    """The mood chosen for a brief and how: ``named`` (a mood word in it), ``given`` (the
    plan's mood), or ``nearest`` by embedding (with its cosine)."""

    mood: str
    how: Literal["named", "given", "nearest"]
    similarity: float = 1.0

    def explain(self, text: str) -> str:
        if self.how == "named":
            return f"mood {self.mood} (named in “{text}”)"
        if self.how == "given":
            return f"mood {self.mood} (the plan's mood)"
        return (f"mood {self.mood}: no known mood named in “{text}”, so the nearest by meaning "
                f"(cosine {self.similarity:.2f})")


def named_mood(text: str) -> str | None:
    """The first known mood named in the text, word by word (no model)."""
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in STYLES:
            return word
    return None


def resolve_mood(text: str) -> MoodResolution:
    """A known mood for any brief: a named one, else the nearest by MiniLM embedding."""
    named = named_mood(text)
    if named is not None:
        return MoodResolution(named, "named")
    if not text.strip():
        return MoodResolution("calm", "nearest", 0.0)
    import numpy as np

    from reelforge.media.embeddings import get_text_encoder

    query = get_text_encoder().encode_one(text)
    similarities = _mood_vectors() @ query
    best = int(np.argmax(similarities))
    return MoodResolution(MOODS[best], "nearest", round(float(similarities[best]), 4))


@lru_cache(maxsize=1)
def _mood_vectors() -> np.ndarray:
    from reelforge.media.embeddings import get_text_encoder

    encoder = get_text_encoder()
    return encoder.encode([f"{s.mood} music: {s.description}" for s in STYLES.values()])
