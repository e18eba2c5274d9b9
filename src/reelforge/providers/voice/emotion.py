"""How an emotion and its intensity become knobs an offline voice has.

Piper exposes speed (length_scale), expressiveness (noise_scale), rhythm variation (noise_w_scale)
and volume; pitch comes from a resampling trick in ``audio.pitch_shift``. Intensity 0 is the neutral
reading and 1 the full emotion; values in between interpolate every knob.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelforge.domain import EMOTIONS
from reelforge.errors import InputError


@dataclass(frozen=True)
class VoiceStyle:
    speed: float = 1.0  # >1 speaks faster
    expressiveness: float = 0.667  # Piper noise_scale
    rhythm: float = 0.8  # Piper noise_w_scale
    volume: float = 1.0
    pitch_semitones: float = 0.0
    pause_s: float = 0.35  # silence between sentences

    def scaled(self, intensity: float) -> VoiceStyle:
        """Interpolate from the neutral style (intensity 0) to this one (intensity 1)."""
        n = NEUTRAL
        mix = lambda a, b: a + (b - a) * intensity  # noqa: E731
        return VoiceStyle(
            speed=mix(n.speed, self.speed),
            expressiveness=mix(n.expressiveness, self.expressiveness),
            rhythm=mix(n.rhythm, self.rhythm),
            volume=mix(n.volume, self.volume),
            pitch_semitones=mix(n.pitch_semitones, self.pitch_semitones),
            pause_s=mix(n.pause_s, self.pause_s),
        )


NEUTRAL = VoiceStyle()
STYLES: dict[str, VoiceStyle] = {
    "neutral": NEUTRAL,
    "curious": VoiceStyle(
        speed=1.04, expressiveness=0.8, rhythm=0.95, pitch_semitones=1.0, pause_s=0.3
    ),
    "excited": VoiceStyle(
        speed=1.15, expressiveness=0.9, rhythm=1.0, volume=1.1, pitch_semitones=2.0, pause_s=0.2
    ),
    "happy": VoiceStyle(
        speed=1.08, expressiveness=0.85, rhythm=0.9, pitch_semitones=1.5, pause_s=0.28
    ),
    "calm": VoiceStyle(
        speed=0.9, expressiveness=0.5, rhythm=0.6, volume=0.9, pitch_semitones=-0.5, pause_s=0.5
    ),
    "warm": VoiceStyle(
        speed=0.95, expressiveness=0.6, rhythm=0.7, pitch_semitones=-0.3, pause_s=0.42
    ),
    "serious": VoiceStyle(
        speed=0.94, expressiveness=0.45, rhythm=0.6, pitch_semitones=-1.5, pause_s=0.45
    ),
    "sad": VoiceStyle(
        speed=0.84, expressiveness=0.5, rhythm=0.55, volume=0.85, pitch_semitones=-2.0, pause_s=0.6
    ),
    "dramatic": VoiceStyle(
        speed=0.88, expressiveness=0.95, rhythm=1.0, volume=1.1, pitch_semitones=-1.0, pause_s=0.55
    ),
    "confident": VoiceStyle(
        speed=1.02, expressiveness=0.6, rhythm=0.7, volume=1.05, pitch_semitones=-0.8, pause_s=0.32
    ),
    "mysterious": VoiceStyle(
        speed=0.86, expressiveness=0.7, rhythm=0.9, volume=0.9, pitch_semitones=-1.8, pause_s=0.55
    ),
}
assert set(STYLES) == set(EMOTIONS), "every emotion in domain.EMOTIONS needs a style"


def voice_style(emotion: str, intensity: float) -> VoiceStyle:
    """The style for ``emotion`` at ``intensity`` (0..1); unknown emotions are an InputError."""
    style = STYLES.get(emotion.lower())
    if style is None:
        raise InputError(
            f"unknown emotion {emotion!r}",
            hint=f"choose one of: {', '.join(sorted(STYLES))}",
        )
    return style.scaled(max(0.0, min(1.0, intensity)))


def acting_direction(emotion: str, intensity: float) -> str:
    """A short natural-language direction for remote voices that take one (Hume, OpenAI)."""
    degree = "slightly" if intensity < 0.35 else "clearly" if intensity < 0.7 else "very"
    return (
        f"Speak in a {degree} {emotion.lower()} tone."
        if emotion != "neutral"
        else "Speak naturally."
    )
