"""What is said in a clip makes it findable: speech from the offline Piper voice, transcribed
once per file, shared out to the shot it is said in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from tests.footage.conftest import ORANGE, PURPLE, scene, write_clip

from reelforge.library.footage import Embed
from reelforge.library.footage_add import add_footage
from reelforge.library.footage_store import open_footage_index
from reelforge.providers.base import SpeechRequest

RATE = 22050


def _spoken(sentence: str, folder: Path) -> np.ndarray:
    from reelforge.providers.voice.piper import PiperVoiceEngine

    wav = folder / f"{abs(hash(sentence))}.wav"
    PiperVoiceEngine().speak(SpeechRequest(sentences=(sentence,), voice="joe"), wav)
    audio, rate = sf.read(wav, dtype="float32")
    assert rate == RATE
    return audio


def test_a_spoken_phrase_finds_the_shot_it_is_said_in(embed: Embed, tmp_path: Path) -> None:
    first = _spoken("Octopuses have three hearts and blue blood.", tmp_path)
    second = _spoken("Bake the bread in a hot oven for forty minutes.", tmp_path)
    audio = np.zeros(RATE * 7, np.float32)  # shot one: 0-3.5 s, shot two: 3.5-7 s
    audio[int(0.2 * RATE): int(0.2 * RATE) + first.size] = first[: int(3.2 * RATE)]
    audio[int(3.7 * RATE): int(3.7 * RATE) + second.size] = second[: int(3.2 * RATE)]
    clip = write_clip(tmp_path / "clips" / "talk_0001.mp4",
                      scene(ORANGE, ORANGE, ORANGE, 35, speed=0)
                      + scene(PURPLE, PURPLE, PURPLE, 35, speed=0), audio=audio)
    report = add_footage([clip], tmp_path / "library", embed=embed, transcribe=True)
    assert report.warnings == [] and report.shots_added == 2

    index = open_footage_index(tmp_path / "library", embed)
    one, two = index.shots
    assert "hearts" in one.transcript.lower() and "bread" in two.transcript.lower()
    assert "bread" not in one.transcript.lower() and "hearts" not in two.transcript.lower()
    assert "Someone says" in one.description

    octopus = index.search("how many hearts does an octopus have", 1)[0]
    assert (octopus.shot.start_s, octopus.shot.end_s) == (0.0, 3.5)
    assert octopus.reason.startswith("says ") and "“hearts”" in octopus.reason  # Whisper
    # tiny hears "octopuses" as "Acapeuses" in some runs: the meaning still finds the shot
    baking = index.search("baking bread", 1)[0]
    assert (baking.shot.start_s, baking.shot.end_s) == (3.5, 7.0)
