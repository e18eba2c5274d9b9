"""Every voice's words get times within ±80 ms of the truth; a misheard word keeps its slot;
speech nobody can hear falls back to proportional timing, and says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from tests.captions.conftest import SENTENCE, joined_with_known_silences, spoken_alone

from reelforge.domain import Cue, Narration, Word
from reelforge.media.speech import Heard, match_words, proportional_spans
from reelforge.pipeline.steps.align import time_words
from reelforge.providers.base import SpeechRequest, Voice

TOLERANCE_S = 0.08


def _errors(narration: Narration, truth: list[tuple[float, float]], folder: Path) -> list[float]:
    timings = time_words([narration], folder)
    assert [w.text for w in timings.words] == narration.cues[0].text.split()
    assert timings.scenes[0].method == "recogniser"
    return [max(abs(w.start_s - a), abs(w.end_s - b))
            for w, (a, b) in zip(timings.words, truth, strict=True)]


def test_misheard_word_keeps_its_slot_and_missing_words_are_interpolated() -> None:
    written = ["Octopuses", "have", "nine", "brains,", "truly."]
    heard = ["Ochopuses", "have", "brains", "truly"]
    assert match_words(written, heard) == [0, 1, None, 2, 3]


def test_proportional_spans_share_the_stretch_by_characters() -> None:
    spans = proportional_spans(["a", "longer"], 1.0, 2.0)
    assert spans[0].start_s == 1.0 and spans[-1].end_s == 2.0
    assert spans[1].end_s - spans[1].start_s > 2 * (spans[0].end_s - spans[0].start_s)


def test_audio_with_no_speech_falls_back_to_proportional_timing_per_sentence(
    tmp_path: Path,
) -> None:
    sf.write(tmp_path / "quiet.wav", np.zeros(22050 * 3, np.float32), 22050)
    narration = Narration(
        scene_index=2, audio="quiet.wav", duration_s=3.0, sample_rate=22050, engine="x", voice="x",
        cues=[Cue(text="First one.", start_s=0.2, end_s=1.0),
              Cue(text="Then the second.", start_s=1.5, end_s=2.5)])
    timings = time_words([narration], tmp_path, hear=lambda audio, words: Heard([], "transcribed"))
    assert timings.scenes[0].method == "proportional"
    assert [w.text for w in timings.words] == ["First", "one.", "Then", "the", "second."]
    assert timings.words[0].start_s == 0.2 and timings.words[1].end_s == 1.0
    assert timings.words[2].start_s == 1.5 and timings.words[-1].end_s == 2.5
    assert {w.scene_index for w in timings.words} == {2}


def test_synthesiser_words_are_used_when_the_voice_gives_them(tmp_path: Path) -> None:
    narration = Narration(
        scene_index=0, audio="never-read.wav", duration_s=1.0, sample_rate=22050, engine="piper",
        voice="joe", cues=[Cue(text="Hello there.", start_s=0.1, end_s=0.9)],
        words=[Word(text="Hello", start_s=0.1, end_s=0.4),
               Word(text="there.", start_s=0.45, end_s=0.9)])
    timings = time_words([narration], tmp_path, hear=lambda audio, words: pytest.fail("heard"))
    assert timings.scenes[0].method == "synthesiser"
    assert [(w.text, w.start_s) for w in timings.words] == [("Hello", 0.1), ("there.", 0.45)]


def test_piper_reports_word_times_from_its_own_alignments(
    piper_engine: Voice, tmp_path: Path
) -> None:
    """Sentences of one word each: every cue is a word's truth (its trimmed audio)."""
    words = ["Octopuses.", "Brains.", "Puzzles."]
    said = piper_engine.speak(SpeechRequest(sentences=tuple(words), voice="joe"),
                              tmp_path / "s.wav")
    assert [w.text for w in said.words] == words
    for word, cue in zip(said.words, said.cues, strict=True):
        assert abs(word.start_s - cue.start_s) <= TOLERANCE_S
        assert abs(word.end_s - cue.end_s) <= TOLERANCE_S


def test_piper_words_in_a_sentence_are_ordered_inside_their_cue(
    piper_engine: Voice, tmp_path: Path
) -> None:
    said = piper_engine.speak(SpeechRequest(sentences=(f"{SENTENCE}.", "Nine brains!"),
                                            voice="joe"), tmp_path / "s.wav")
    assert len(said.words) == len(SENTENCE.split()) + 2
    starts = [w.start_s for w in said.words]
    assert starts == sorted(starts)
    assert all(w.end_s > w.start_s for w in said.words)
    assert said.words[0].start_s >= said.cues[0].start_s
    assert said.words[-1].end_s <= said.cues[-1].end_s + 1e-6


def test_recogniser_times_piper_words_within_80_ms(piper_engine: Voice, tmp_path: Path) -> None:
    narration, truth = joined_with_known_silences(
        lambda w: spoken_alone(piper_engine, "joe", w, tmp_path), SENTENCE.split(),
        tmp_path / "joined.wav")
    assert max(_errors(narration, truth, tmp_path)) <= TOLERANCE_S


def test_recogniser_times_espeak_words_within_80_ms(tmp_path: Path) -> None:
    from reelforge.providers.voice.espeak import EspeakVoiceEngine

    engine = EspeakVoiceEngine()
    if not engine.binary:
        pytest.skip("espeak-ng is not installed")
    narration, truth = joined_with_known_silences(
        lambda w: spoken_alone(engine, "espeak:en-us+m3", w, tmp_path), SENTENCE.split(),
        tmp_path / "joined.wav", seed=1)
    assert max(_errors(narration, truth, tmp_path)) <= TOLERANCE_S


def test_recogniser_times_a_remote_voice_served_by_the_fakes_within_80_ms(
    tmp_path: Path,
) -> None:
    from reelforge.fakes.common import FakeConfig
    from reelforge.fakes.server import start_fakes
    from reelforge.providers.voice.openai_speech import OpenAISpeechVoice
    from reelforge.settings import Settings

    key = "sk-test-SECRET-0123456789abcdef"
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    running = start_fakes(settings, config=FakeConfig(api_key=key))
    try:
        engine = OpenAISpeechVoice(api_key=key, base_url=running.env()["OPENAI_BASE_URL"])
        words = SENTENCE.split()[:8]
        narration, truth = joined_with_known_silences(
            lambda w: spoken_alone(engine, "coral", w, tmp_path), words, tmp_path / "joined.wav",
            seed=2)
        assert max(_errors(narration, truth, tmp_path)) <= TOLERANCE_S
    finally:
        running.stop()


def test_piper_times_words_espeak_joins_or_splits(piper_engine: Voice, tmp_path: Path) -> None:
    """espeak says "of the" as one word and "25" as two: the words still come from Piper."""
    sentence = "Two of the hearts stop when they swim, and 25 arms taste it."
    said = piper_engine.speak(SpeechRequest(sentences=(sentence,), voice="joe"),
                              tmp_path / "s.wav")
    assert [w.text for w in said.words] == sentence.split()
    starts = [w.start_s for w in said.words]
    assert starts == sorted(starts) and all(w.end_s >= w.start_s for w in said.words)


def test_recogniser_times_connected_piper_speech_within_60_ms_mean_of_piper_alignments(
    piper_engine: Voice, tmp_path: Path
) -> None:
    """Connected speech has no pauses to snap to: the forced alignment and the energy dips
    must carry it. Piper's own alignments are the truth; the recogniser is made to listen by
    handing the step the narration without its words."""
    sentences = (f"{SENTENCE}.", "Light from the sun takes about eight minutes to reach us.")
    narrations, truth = [], []
    for i, sentence in enumerate(sentences):
        said = piper_engine.speak(SpeechRequest(sentences=(sentence,), voice="joe"),
                                  tmp_path / f"scene-{i}.wav")
        narrations.append(Narration(scene_index=i, audio=f"scene-{i}.wav",
                                    duration_s=said.duration_s, sample_rate=said.sample_rate,
                                    cues=said.cues, engine="piper", voice="joe"))
        truth += [(w.start_s, w.end_s) for w in said.words]
    timings = time_words(narrations, tmp_path)
    assert {s.method for s in timings.scenes} == {"recogniser"}
    edges = [abs(w.start_s - a) + abs(w.end_s - b)
             for w, (a, b) in zip(timings.words, truth, strict=True)]
    assert sum(edges) / (2 * len(edges)) <= 0.060


def test_scenes_are_heard_in_passes_that_fit_one_window() -> None:
    from reelforge.pipeline.steps.align import _passes

    def scene(i: int, seconds: float) -> tuple[Narration, np.ndarray]:
        narration = Narration(scene_index=i, audio="x.wav", duration_s=seconds,
                              sample_rate=16000, engine="x", voice="x",
                              cues=[Cue(text="Words.", start_s=0.0, end_s=seconds)])
        return narration, np.zeros(round(seconds * 16000), np.float32)

    groups = _passes([scene(0, 12), scene(1, 12), scene(2, 12), scene(3, 40), scene(4, 5)])
    assert [[n.scene_index for n, _ in g] for g in groups] == [[0, 1], [2], [3], [4]]
