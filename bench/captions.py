"""Word timing and caption rendering, measured.

    PYTHONPATH=src .venv/bin/python bench/captions.py

1. Alignment speed: the align step's recogniser path (Whisper tiny.en int8 forced alignment of
   the known words + edge refinement) over ~25 s of connected Piper narration, as × real time
   (best of ``--repeat``) and as CPU-seconds per audio-second (all threads; less sensitive to
   the machine's load than wall time). For comparison, the free-transcription path (decoding
   with word timestamps) used for passes longer than one 30 s window, on the same audio.
2. Timing error: mean absolute error of word starts and ends against known truth — words
   synthesised one by one (Piper and espeak) and joined with known silences; and connected
   Piper speech against Piper's own alignments.
3. Burning captions: libass rendering karaoke as per-word events vs ``\\k`` tags (the same look),
   a 20 s 1080×1920 clip, best of ``--repeat``.

Targets: ≥ 10× real time, ≤ 60 ms mean error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

NARRATION = [
    "Octopuses have three hearts and blue blood, and two of the hearts stop when they swim.",
    "Each of their eight arms can taste what it touches, and most of their neurons live there.",
    "In aquariums they unscrew jars, squirt water at keepers they dislike, and slip away at "
    "night.",
    "Some species use coconut shells as portable armour, carrying them across the sea floor.",
    "They live only a year or two, yet they learn faster than many animals that live for "
    "decades.",
]


def _mean_error(words: list, truth: list[tuple[float, float]]) -> float:
    edges = [abs(w.start_s - a) + abs(w.end_s - b) for w, (a, b) in zip(words, truth, strict=True)]
    return float(np.mean(edges) / 2)


@dataclass(frozen=True)
class AlignmentFigures:
    speed: float  # × real time, best of the runs
    cpu_per_audio_s: float  # CPU-seconds (all threads) per audio-second, best of the runs
    seconds: float  # audio timed
    connected_error_s: float  # mean absolute edge error against Piper's alignments
    transcribe_speed: float  # the free-transcription path on the same audio
    transcribe_cpu_per_audio_s: float


def alignment_speed(folder: Path, repeat: int) -> AlignmentFigures:
    """The align step's recogniser path on connected Piper speech, and the transcription path
    on the same audio."""
    from reelforge.domain import Narration
    from reelforge.media import speech
    from reelforge.pipeline.steps.align import time_words
    from reelforge.providers.base import SpeechRequest
    from reelforge.providers.voice.piper import PiperVoiceEngine

    engine = PiperVoiceEngine()
    narrations, truth = [], []
    for i, sentence in enumerate(NARRATION):
        wav = folder / f"scene-{i}.wav"
        said = engine.speak(SpeechRequest(sentences=(sentence,), voice="joe"), wav)
        narrations.append(Narration(scene_index=i, audio=wav.name, duration_s=said.duration_s,
                                    sample_rate=said.sample_rate, cues=said.cues, engine="piper",
                                    voice="joe"))  # no words: the recogniser must time them
        truth.append([(w.start_s, w.end_s) for w in said.words])  # empty: Piper could not
    seconds = sum(n.duration_s for n in narrations)
    model = speech.recogniser()  # load once, outside the timing (a worker keeps it loaded)

    def transcribed(audio: np.ndarray, words: list[str]) -> speech.Heard:
        return speech.Heard(model.transcribe(audio), "transcribed")

    runs: dict[str, list[tuple[float, float]]] = {"forced": [], "transcribed": []}
    for _ in range(repeat):  # alternate the two, so a busy moment of the machine hits both
        for name, hear in (("forced", None), ("transcribed", transcribed)):
            started, cpu = time.perf_counter(), time.process_time()
            timed = time_words(narrations, folder, hear=hear)
            runs[name].append((time.perf_counter() - started, time.process_time() - cpu))
            if name == "forced":
                errors = [_mean_error(timed.of_scene(i), spans)
                          for i, spans in enumerate(truth) if spans]
    return AlignmentFigures(
        speed=seconds / min(w for w, _ in runs["forced"]),
        cpu_per_audio_s=min(c for _, c in runs["forced"]) / seconds, seconds=seconds,
        connected_error_s=float(np.mean(errors)),
        transcribe_speed=seconds / min(w for w, _ in runs["transcribed"]),
        transcribe_cpu_per_audio_s=min(c for _, c in runs["transcribed"]) / seconds)


def separated_words_error(folder: Path, voice: str) -> float:
    """Mean absolute edge error on words spoken one by one, joined with known silences."""
    from tests.captions.conftest import joined_with_known_silences, spoken_alone

    from reelforge.pipeline.steps.align import time_words
    from reelforge.providers.voice.espeak import EspeakVoiceEngine
    from reelforge.providers.voice.piper import PiperVoiceEngine

    engine = PiperVoiceEngine() if voice == "joe" else EspeakVoiceEngine()
    errors = []
    for seed, sentence in enumerate(NARRATION[:3]):
        words = sentence.split()
        narration, truth = joined_with_known_silences(
            lambda w: spoken_alone(engine, voice, w, folder), words,
            folder / f"joined-{seed}.wav", seed=seed)
        errors.append(_mean_error(time_words([narration], folder).words, truth))
    return float(np.mean(errors))


def render_speed(folder: Path, repeat: int) -> dict[str, float]:
    from reelforge.assemble.captions.files import write_ass
    from reelforge.assemble.captions.layout import safe_area
    from reelforge.assemble.captions.styles import caption_events, style_lettering
    from reelforge.assemble.fonts import font_family, font_file
    from reelforge.domain import Word
    from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg

    width, height, duration = 1080, 1920, 20.0
    text = " ".join(NARRATION * 2).split()
    step = duration / len(text)
    words = [Word(text=w, start_s=round(i * step, 3), end_s=round((i + 0.85) * step, 3))
             for i, w in enumerate(text)]
    font, area = font_file(), safe_area(width, height)
    (folder / "fonts").mkdir(exist_ok=True)
    if not (folder / "fonts" / "font.ttf").exists():
        os.symlink(font, folder / "fonts" / "font.ttf")
    best: dict[str, tuple[float, int]] = {}
    for _ in range(repeat):  # alternate the two, so a busy moment of the machine hits both
        for name, tags in (("per-word events", False), ("\\k tags", True)):
            events = caption_events(words, "karaoke", area, font, tags=tags)
            write_ass(events, folder / "c.ass", width, height, font_family(font),
                      style_lettering("karaoke", font, area))
            started = time.perf_counter()
            run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x203040:s={width}x{height}:r=30"
                        f":d={duration}", "-vf", "subtitles=filename=c.ass:fontsdir=fonts",
                        "-f", "null", "-"],
                       ffmpeg=find_ffmpeg(), cwd=folder)
            elapsed = time.perf_counter() - started
            best[name] = (min(best.get(name, (elapsed, 0))[0], elapsed), len(events))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-alignment", action="store_true", help="only the burn figures")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="rf-bench-captions-") as tmp:
        folder = Path(tmp)
        if not args.skip_alignment:
            print_alignment(folder, args.repeat)
        for name, (took, events) in render_speed(folder, args.repeat).items():
            print(f"karaoke burned by libass, {name}: {took:.2f} s for 20 s of 1080×1920 "
                  f"({events} events; best of {args.repeat})")


def print_alignment(folder: Path, repeat: int) -> None:
    figures = alignment_speed(folder, repeat)
    print(f"alignment (forced): {figures.speed:.1f}× real time over {figures.seconds:.1f} s of "
          f"narration, {figures.cpu_per_audio_s:.3f} CPU-s per audio-s (best of {repeat}; "
          f"target ≥ 10×; load average now {os.getloadavg()[0]:.1f})")
    print(f"free transcription on the same audio: {figures.transcribe_speed:.1f}× real time, "
          f"{figures.transcribe_cpu_per_audio_s:.3f} CPU-s per audio-s")
    print(f"connected Piper speech vs Piper's alignments: "
          f"{figures.connected_error_s * 1000:.0f} ms mean absolute error (target ≤ 60 ms)")
    for voice in ("joe", "espeak:en-us+m3"):
        error = separated_words_error(folder, voice)
        print(f"separated words, {voice}: {error * 1000:.0f} ms mean absolute error "
              f"(target ≤ 60 ms)")


if __name__ == "__main__":
    main()
