"""The sentence a song is searched by: its tags and measured features, put into words.

The text encoder only sees this sentence, so it says what a person searching would say ("calm,
peaceful acoustic piece, slow 68 BPM in C major, steady energy, soft dynamics, warm tone").
Mood tags are widened with their common synonyms so "relaxing" finds "calm" and "uplifting"
finds "happy"; a song without mood tags gets moods inferred from tempo, mode and brightness.
"""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.media.audio_analysis import AudioFeatures

MOOD_WORDS: dict[str, str] = {
    "calm": "calm, peaceful, relaxing, soothing",
    "energetic": "energetic, upbeat, driving, powerful, intense",
    "happy": "happy, cheerful, joyful, uplifting, positive",
    "nostalgic": "nostalgic, wistful, bittersweet, reflective, melancholic",
    "tender": "tender, gentle, warm, romantic, intimate",
    "dramatic": "dramatic, cinematic, epic, tense",
    "sad": "sad, melancholic, sorrowful, somber",
}
STYLE_WORDS: dict[str, str] = {
    "acoustic": "acoustic, organic instruments, guitar and piano",
    "electronic": "electronic, synthesizers, programmed beats",
}


def tempo_word(bpm: float) -> str:
    if bpm <= 0:
        return ""
    for limit, word in ((70, "very slow"), (90, "slow"), (110, "mid-tempo"), (130, "upbeat"),
                        (150, "fast")):
        if bpm < limit:
            return word
    return "very fast"


def energy_arc(curve: Sequence[float]) -> str:
    """How the loudness moves over the song: building, fading or steady."""
    if len(curve) < 6:
        return "steady energy"
    third = len(curve) // 3
    start = sum(curve[:third]) / third
    end = sum(curve[-third:]) / third
    if end > start * 1.3:
        return "building energy, rising to a climax"
    if end < start * 0.75:
        return "fading energy, winding down"
    return "steady energy"


def inferred_moods(features: AudioFeatures) -> list[str]:
    """Moods for a song nobody tagged, from arousal (tempo, note density) and valence (mode,
    brightness) — the two axes music-emotion research uses."""
    aroused = features.bpm >= 118 or features.onset_density >= 6.0
    relaxed = features.bpm < 92 and features.onset_density < 4.5
    major = features.mode == "major"
    if aroused:
        return ["energetic", "happy"] if major else ["energetic", "dramatic"]
    if relaxed:
        return ["calm", "tender"] if major else ["nostalgic", "sad"]
    return ["happy"] if major else ["nostalgic"]


def describe_song(
    features: AudioFeatures | None,
    *,
    tags: Sequence[str] = (),
    genre: str = "",
    title: str = "",
    artist: str = "",
    bpm: float | None = None,
    key: str | None = None,
) -> str:
    """One sentence for the embedding; ``bpm``/``key`` override measured values when a source
    knows them exactly (the built-in catalog's licence file does)."""
    tags = [t.lower() for t in tags]
    moods = [t for t in tags if t in MOOD_WORDS]
    styles = [t for t in tags if t in STYLE_WORDS]
    others = [t for t in tags if t not in MOOD_WORDS and t not in STYLE_WORDS]
    if not moods and features is not None:
        moods = inferred_moods(features)
    parts: list[str] = []
    genre = "" if genre.lower() in styles else genre.lower()
    style = STYLE_WORDS[styles[0]] if styles else ""
    head = ", ".join(MOOD_WORDS[m] for m in moods)
    kind = " ".join(filter(None, [genre, styles[0] if styles else ""]))
    noun = f"{kind} music" if kind else "music"
    # The style leads: the encoder weighs early words more, and moods are already repeated.
    parts.append(f"{style}: {head} {noun}" if style else f"{head} {noun}".strip())
    tempo = bpm if bpm else (features.bpm if features else 0.0)
    key_name = key or (features.key_name if features else "")
    if tempo:
        bit = f"{tempo_word(tempo)} {tempo:.0f} BPM"
        parts.append(f"{bit} in {key_name}" if key_name else bit)
    elif key_name:
        parts.append(f"in {key_name}")
    if features is not None:
        parts.append(energy_arc(features.energy_curve))
        if features.dynamic_range_db >= 8:
            parts.append("wide dynamics")
        elif features.dynamic_range_db <= 3:
            parts.append("even, soft dynamics" if "calm" in moods else "even dynamics")
        if features.brightness_hz and features.brightness_hz < 1400:
            parts.append("warm, mellow tone")
        elif features.brightness_hz > 2000:
            parts.append("bright, crisp tone")
        if features.vocal_likelihood >= 0.85:
            parts.append("with vocals")
        elif features.vocal_likelihood <= 0.15:
            parts.append("instrumental")
    if others:
        parts.append(", ".join(others))
    if title:
        parts.append(f"titled “{title}”" + (f" by {artist}" if artist else ""))
    elif artist:
        parts.append(f"by {artist}")
    return ", ".join(p for p in parts if p)
