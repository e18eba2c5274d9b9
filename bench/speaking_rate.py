"""Piper's real speaking rate per emotion, against the estimate the writers size scripts by.

Speaks every sentence of the template writer's phrase banks (plus sentences with numbers) one at
a time with the shipped voice, measures each one's spoken length (its cue), fits seconds =
a·characters + b, and prints the estimate's (``providers/pacing.py``) error per sentence and
over all of them.

    .venv/bin/python bench/speaking_rate.py [neutral sad excited ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from reelforge.providers import pacing
from reelforge.providers.base import SpeechRequest
from reelforge.providers.script import phrases
from reelforge.providers.voice.piper import PiperVoiceEngine
from reelforge.text import count_words

EXTRA = ["Lisbon in autumn is cheaper than you think.",
         "Take the 28 tram early, before 9 a.m., when it costs 3 euros.",
         "In 1755, an earthquake destroyed most of the city."]


def sentences() -> list[str]:
    fill = {"topic": "octopuses", "Topic": "Octopuses", "claim": "smarter than you think",
            "claim_or_works": "are smarter than you think,", "key": "octopuses",
            "Key": "Octopuses", "n": 1, "Question": "Why are octopuses smarter than you think?",
            "question_lower": "why are octopuses smarter than you think?", "Count": "5"}
    found = []
    for bank in (phrases.HOOKS, phrases.BODY, phrases.CLOSERS):
        for options in bank.values():
            found += [s.format(**fill) for s in options]
    return found + EXTRA


def measure(emotion: str, texts: list[str]) -> None:
    engine = PiperVoiceEngine()
    chars, spoken, words, guessed = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for text in texts:
            said = engine.speak(SpeechRequest(sentences=(text,), voice="joe", emotion=emotion,
                                              intensity=0.5), Path(tmp) / "x.wav")
            cue = said.cues[0]
            chars.append(len(text))
            spoken.append(cue.end_s - cue.start_s)
            words.append(count_words(text))
            guessed.append(pacing.speech_seconds(text, emotion, 0.5))
    x, y, g = np.array(chars), np.array(spoken), np.array(guessed)
    slope, intercept = np.polyfit(x, y, 1)
    print(f"{emotion:>10}: {len(texts)} sentences, {sum(words) / y.sum():.2f} words/s, "
          f"fit {slope:.4f} s/char + {intercept:.3f} s; estimate off by "
          f"{np.mean(np.abs(g - y) / y):.1%} per sentence, {(g.sum() - y.sum()) / y.sum():+.1%} "
          "in total")


if __name__ == "__main__":
    for name in sys.argv[1:] or ["neutral"]:
        measure(name, sentences())
