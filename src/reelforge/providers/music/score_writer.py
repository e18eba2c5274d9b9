"""The music theory of the composer: a mood, a length and the video's turns in, notes out.

Pure and deterministic (a seeded ``random.Random``; no audio, no files). The form is fitted to
the video: one tempo throughout; sections start on the grid point nearest each scene boundary
(beats from 120 BPM, half-beats below, quarters below 60 BPM: never more than 0.25 s off) and
alternate a lift and a drop in texture and loudness; notes that start under narration are
played softer; the last section closes on IV (major) or v (minor) and the tonic chord lands
``RING_S`` or more before the end, so its decay fills the last seconds and the piece ends in
silence on the last frame.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from reelforge.providers.music.moods import MoodStyle

PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_ALIASES = {"Db": "C#", "D#": "Eb", "Gb": "F#", "G#": "Ab", "A#": "Bb", "Cb": "B", "Fb": "E"}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
RING_S = 2.2  # the final chord rings this long before the last frame
MIN_SECTION_S = 1.5  # a requested boundary closer than this to another (or the ends) is dropped
AUTO_SECTION_BARS = 8  # without scene boundaries, a new section every 8 bars
UNDER_SPEECH = 0.62  # velocity factor for notes that start while someone speaks
DRUM_CHANNEL = 9
PPQ = 480  # MIDI ticks per beat


@dataclass(frozen=True)
class Note:
    channel: int
    pitch: int
    start_s: float
    end_s: float
    velocity: int


@dataclass(frozen=True)
class Part:
    channel: int
    program: int
    name: str


@dataclass(frozen=True)
class Section:
    start_s: float
    end_s: float
    level: float  # 0..1: texture and loudness


@dataclass(frozen=True)
class ScoreParams:
    """Everything that decides the piece; the manifest records it."""

    mood: str
    duration_s: float
    bpm: float
    tonic: str
    mode: str
    seed: int
    sections_s: tuple[float, ...] = ()
    speech_s: tuple[tuple[float, float], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.tonic} {self.mode}"


@dataclass(frozen=True)
class Score:
    params: ScoreParams
    parts: tuple[Part, ...]
    sections: tuple[Section, ...]
    cadence_s: float  # when the final tonic chord is struck
    notes: tuple[Note, ...] = field(repr=False)
    reverb: int = 64


def parse_key(text: str) -> tuple[str, str]:
    """"A minor", "a", "F# major", "Bbm" → (tonic, mode); an InputError-worthy ValueError else."""
    cleaned = text.strip().replace("♯", "#").replace("♭", "b")
    parts = cleaned.split()
    mode = "major"
    if len(parts) == 2 and parts[1].lower() in ("major", "minor", "maj", "min"):
        mode = "minor" if parts[1].lower().startswith("min") else "major"
        cleaned = parts[0]
    elif len(parts) == 1 and len(cleaned) > 1 and cleaned.endswith("m") and cleaned != "m":
        mode, cleaned = "minor", cleaned[:-1]
    elif len(parts) != 1:
        raise ValueError(f"cannot read the key {text!r}")
    tonic = cleaned[:1].upper() + cleaned[1:]
    tonic = _ALIASES.get(tonic, tonic)
    if tonic not in PITCH_CLASSES:
        raise ValueError(f"cannot read the key {text!r}")
    return tonic, mode


def choose_params(style: MoodStyle, duration_s: float, seed: int, *, bpm: float | None = None,
                  key: str | None = None, sections_s: tuple[float, ...] = (),
                  speech_s: tuple[tuple[float, float], ...] = ()) -> ScoreParams:
    """The mood's tempo and key for this seed, unless the caller fixed them."""
    rng = random.Random(f"params:{style.mood}:{seed}")
    tonic, mode = parse_key(key) if key else (rng.choice(style.tonics), style.mode)
    tempo = float(bpm) if bpm else float(rng.randrange(style.tempo[0], style.tempo[1] + 1, 2))
    return ScoreParams(style.mood, duration_s, tempo, tonic, mode, seed,
                       tuple(sections_s), tuple(speech_s))


def grid_s(bpm: float) -> float:
    """The finest grid a section may start on: the beat, halved until it is at most 0.5 s, so a
    boundary snapped to it moves by 0.25 s at most."""
    grid = 60.0 / bpm
    while grid > 0.5:
        grid /= 2
    return grid


def fit_sections(params: ScoreParams, cadence_s: float) -> tuple[Section, ...]:
    """Sections between 0 and the cadence, each starting on the grid point nearest a requested
    boundary; alternating lift and drop, the last before the cadence the fullest."""
    beat = 60.0 / params.bpm
    grid = grid_s(params.bpm)
    wanted = list(params.sections_s)
    if not wanted:
        bar = 4 * beat
        step = AUTO_SECTION_BARS * bar
        wanted = [step * i for i in range(1, int(cadence_s // step) + 1)]
    starts = [0.0]
    for boundary in sorted(wanted):
        snapped = round(boundary / grid) * grid
        if snapped - starts[-1] >= MIN_SECTION_S and cadence_s - snapped >= MIN_SECTION_S:
            starts.append(snapped)
    n = len(starts)
    levels = [0.8] if n == 1 else [1.0 if (n - 1 - i) % 2 == 0 else 0.55 for i in range(n)]
    if n > 2:  # the opening contrasts with what follows: quiet before a lift, full before a drop
        levels[0] = 0.4 if levels[1] >= 0.9 else 0.85
    ends = [*starts[1:], cadence_s]
    return tuple(Section(round(s, 4), round(e, 4), lv)
                 for s, e, lv in zip(starts, ends, levels, strict=True))


def write_score(style: MoodStyle, params: ScoreParams) -> Score:
    """The whole piece as notes (seconds), one part per GM program plus drums."""
    beat = 60.0 / params.bpm
    grid = grid_s(params.bpm)
    cadence_s = math.floor((params.duration_s - RING_S) / grid) * grid
    sections = fit_sections(params, cadence_s)
    writer = _Writer(style, params, beat)
    for i, section in enumerate(sections):
        writer.section(i, section, last=i == len(sections) - 1)
    writer.cadence(cadence_s, params.duration_s)
    parts = [Part(0, style.pad, "pad"), Part(1, style.bass, "bass"),
             Part(2, style.pulse, "pulse"), Part(3, style.lead, "lead")]
    if style.drums:
        parts.append(Part(DRUM_CHANNEL, 0, "drums"))
    notes = tuple(sorted(writer.notes, key=lambda n: (n.start_s, n.channel, n.pitch)))
    return Score(params, tuple(parts), sections, round(cadence_s, 4), notes, style.reverb)


class _Writer:
    """Accumulates notes; one method per layer so each reads as what it plays."""

    def __init__(self, style: MoodStyle, params: ScoreParams, beat: float) -> None:
        self.style, self.params, self.beat = style, params, beat
        self.notes: list[Note] = []
        self.tonic_pc = PITCH_CLASSES.index(params.tonic)
        self.scale = SCALES[params.mode]

    # --- harmony -------------------------------------------------------------------------------

    def chord(self, degree: int, octave: int) -> list[int]:
        """Triad on a scale degree, root position, with the root in ``octave`` (MIDI: C4 = 60)."""
        base = 12 * (octave + 1) + self.tonic_pc
        return [base + self.scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]

    def add(self, channel: int, pitch: int, start: float, length: float, velocity: float) -> None:
        start = round(start, 4)  # grid arithmetic drifts by 1e-15; decide on the stored time
        speaking = any(a <= start < b for a, b in self.params.speech_s)
        v = velocity * (UNDER_SPEECH if speaking else 1.0)
        self.notes.append(Note(channel, max(0, min(127, pitch)), start,
                               round(start + max(0.05, length), 4), max(1, min(127, round(v)))))

    # --- sections ------------------------------------------------------------------------------

    def section(self, index: int, section: Section, *, last: bool) -> None:
        style, beat = self.style, self.beat
        rng = random.Random(f"section:{self.params.seed}:{index}")
        progression = style.progressions[(self.params.seed + index) % len(style.progressions)]
        chord_s = style.beats_per_chord * beat
        loud = style.loudness * (0.55 + 0.45 * section.level)
        n_beats = max(1, round((section.end_s - section.start_s) / beat))
        n_chords = math.ceil(n_beats / style.beats_per_chord)
        for c in range(n_chords):
            start = section.start_s + c * chord_s
            length = min(chord_s, section.end_s - start)
            if length <= 0.02:
                break
            degree = progression[c % len(progression)]
            if last and c == n_chords - 1 and n_chords > 1:
                # into the final cadence: plagal (IV) in major, which also tells the key from
                # its dominant's; the dominant (v) in minor
                degree = 3 if self.params.mode == "major" else 4
            self.pad(start, length, degree, loud)
            if section.level >= 0.5:
                self.bass(start, length, degree, loud)
            self.pulse(start, length, degree, loud, section.level)
            if section.level >= 0.6:
                self.melody(start, length, degree, loud, rng)
            if style.drums and section.level >= 0.5:
                self.drums(start, length, loud, fill=c == 0)

    def pad(self, start: float, length: float, degree: int, loud: float) -> None:
        """The chord, over a soft tonic pedal that keeps the key unmistakable."""
        for pitch in self.chord(degree, 4):
            self.add(0, pitch, start, length * 0.98, loud * 0.55)
        tonic = self.chord(0, 3)[0]
        self.add(0, tonic, start, length * 0.98, loud * 0.7)
        if tonic + 12 not in self.chord(degree, 4):
            self.add(0, tonic + 12, start, length * 0.98, loud * 0.4)

    def bass(self, start: float, length: float, degree: int, loud: float) -> None:
        root = self.chord(degree, 2)[0]
        step = self.beat if self.style.texture == "ostinato" or self.beat > 0.7 else self.beat * 2
        t = start
        while t < start + length - 0.01:
            self.add(1, root, t, min(step, start + length - t) * 0.9, loud * 0.8)
            t += step

    def pulse(self, start: float, length: float, degree: int, loud: float, level: float) -> None:
        """The steady pulse that carries the tempo: accents on every beat."""
        texture, beat = self.style.texture, self.beat
        tones = self.chord(degree, 4 if texture != "ostinato" else 3)
        cycle = [tones[0], tones[1], tones[2], tones[0] + 12]
        step = {"arpeggio": beat / 2, "block": beat, "ostinato": beat / 2,
                "pizzicato": beat / 2}[texture]
        if texture == "arpeggio" and self.params.bpm < 80:
            step = beat  # slow: quarters, or the eighths would be heard as the beat
        if texture == "ostinato" and level >= 0.9:
            step = beat / 4
        t, i = start, 0
        while t < start + length - 0.01:
            on_beat = abs((t - start) / beat - round((t - start) / beat)) < 1e-6
            accent = 1.0 if on_beat else 0.45  # strong beats carry the tempo, not the eighths
            if texture == "block":
                for pitch in tones:
                    self.add(2, pitch, t, step * 0.5, loud * 0.7 * accent)
            else:
                pitch = cycle[i % 4] if texture != "ostinato" else cycle[(i % 2) * 2]
                self.add(2, pitch, t, step * 0.8, loud * 0.78 * accent)
            t += step
            i += 1

    def melody(self, start: float, length: float, degree: int, loud: float,
               rng: random.Random) -> None:
        tones = self.chord(degree, 5)
        t = start
        while t < start + length - 0.01:
            beats = rng.choice((1, 1, 2)) if length >= 2 * self.beat else 1
            dur = min(beats * self.beat, start + length - t)
            pitch = rng.choice(tones) if rng.random() < 0.75 else self.passing(tones[0])
            self.add(3, pitch, t, dur * 0.95, loud * 0.72)
            t += dur

    def passing(self, near: int) -> int:
        """A scale tone off the chord: the 4th in major (it sets the key apart from its
        dominant's), the 2nd in minor."""
        degree = 3 if self.params.mode == "major" else 1
        return near - (near - self.tonic_pc - self.scale[degree]) % 12

    def drums(self, start: float, length: float, loud: float, *, fill: bool) -> None:
        beat, kind = self.beat, self.style.drums
        loud *= 0.75  # drum transients would otherwise set the peak (and so the loudness)
        if fill:
            self.add(DRUM_CHANNEL, 49, start, beat, loud * 0.9)  # crash marks the new section
        n = max(1, round(length / beat))
        for b in range(n):
            t = start + b * beat
            if kind == "toms":
                self.add(DRUM_CHANNEL, 41 if b % 2 == 0 else 45, t, beat * 0.5, loud * 0.9)
                continue
            if kind == "driving" or b % 2 == 0:
                self.add(DRUM_CHANNEL, 36, t, beat * 0.5, loud)
            if b % 2 == 1:
                self.add(DRUM_CHANNEL, 38 if kind == "driving" else 37, t, beat * 0.5, loud * 0.8)
            self.add(DRUM_CHANNEL, 42, t, beat * 0.25, loud * 0.6)
            if kind == "driving":
                self.add(DRUM_CHANNEL, 42, t + beat / 2, beat * 0.25, loud * 0.45)

    def cadence(self, at: float, end: float) -> None:
        """The tonic chord, whole band, held until shortly before the end, then decaying."""
        hold = max(0.6, end - at - 1.2)
        loud = self.style.loudness * 0.9
        for pitch in self.chord(0, 4):
            self.add(0, pitch, at, hold, loud * 0.6)
            self.add(2, pitch, at, hold, loud * 0.7)
        self.add(1, self.chord(0, 2)[0], at, hold, loud * 0.85)
        self.add(3, self.chord(0, 5)[0], at, hold, loud * 0.75)
        if self.style.drums:
            self.add(DRUM_CHANNEL, 49, at, hold, loud * 0.8)


def score_to_midi(score: Score) -> bytes:
    """The score as a type-1 MIDI file: a tempo track, then one track per part."""
    import io

    import mido

    bpm = score.params.bpm
    midi = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    meta.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    midi.tracks.append(meta)

    def ticks(seconds: float) -> int:
        return round(seconds * bpm / 60.0 * PPQ)

    for part in score.parts:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=part.name, time=0))
        if part.channel != DRUM_CHANNEL:
            track.append(mido.Message("program_change", channel=part.channel,
                                      program=part.program, time=0))
        track.append(mido.Message("control_change", channel=part.channel, control=91,
                                  value=score.reverb, time=0))
        events: list[tuple[int, int, mido.Message]] = []
        for note in score.notes:
            if note.channel != part.channel:
                continue
            events.append((ticks(note.start_s), 1, mido.Message(
                "note_on", channel=note.channel, note=note.pitch, velocity=note.velocity)))
            events.append((max(ticks(note.end_s), ticks(note.start_s) + 1), 0, mido.Message(
                "note_off", channel=note.channel, note=note.pitch, velocity=0)))
        events.sort(key=lambda e: (e[0], e[1], e[2].note))
        now = 0
        for tick, _, message in events:
            track.append(message.copy(time=tick - now))
            now = tick
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()
