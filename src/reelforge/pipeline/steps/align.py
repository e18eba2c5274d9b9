"""align: every narrated word gets a start and an end, whatever voice spoke it.

Per scene, the best source wins: the synthesiser's own alignments (Piper), else the known text
aligned to the audio by the local recogniser (``media/speech.py``), else — when nothing was
heard — the words spread over each sentence's cue by characters. Scenes that need the
recogniser are heard in one pass (Whisper listens in 30 s windows: one pass over all of them
costs about what one short scene alone would). The manifest's ``words.json`` says which method
timed each scene.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from reelforge.domain import Model, Narration, Word
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.text import spoken_words

if TYPE_CHECKING:
    from reelforge.media.speech import Heard

#: Bump the version when the same audio would be timed differently.
ALIGNER = StepIdentity("whisper-tiny-en-aligner", "4")  # 4: forced alignment
TimingMethod = Literal["synthesiser", "recogniser", "proportional"]
_BETWEEN_S = 0.5  # silence put between scenes heard in one pass (30 s windows: keep it short)


class SceneTiming(Model):
    """How one scene's words were timed; ``heard`` is the share of its words the recogniser
    heard exactly (None when it did not transcribe: synthesiser times, or the known words
    force-aligned)."""

    scene_index: int
    method: TimingMethod
    heard: float | None = None


class WordTimings(Model):
    """Every narrated word in order, times relative to its scene's narration audio."""

    words: list[Word]
    scenes: list[SceneTiming]

    def of_scene(self, index: int) -> list[Word]:
        return [w for w in self.words if w.scene_index == index]


def _sentence_words(narration: Narration) -> list[tuple[str, float, float]]:
    """(word, its sentence's start, its sentence's end) for every word of the narration."""
    return [(w, c.start_s, c.end_s) for c in narration.cues for w in spoken_words(c.text)]


def _proportional(narration: Narration) -> list[Word]:
    from reelforge.media.speech import proportional_spans

    words: list[Word] = []
    for cue in narration.cues:
        said = spoken_words(cue.text)
        words += [Word(text=w, start_s=s.start_s, end_s=s.end_s, scene_index=narration.scene_index)
                  for w, s in zip(said, proportional_spans(said, cue.start_s, cue.end_s),
                                  strict=True)]
    return words


Hear = Callable[[np.ndarray, list[str]], "Heard"]
Scene = tuple[Narration, np.ndarray]


def _passes(pending: list[Scene]) -> list[list[Scene]]:
    """Scenes in order, grouped so each group with its gaps fits one window (a longer scene
    is a group of its own, and will be transcribed)."""
    from reelforge.media import speech

    groups: list[list[Scene]] = []
    length = 0.0
    for scene in pending:
        seconds = scene[1].size / speech.RATE + _BETWEEN_S
        if groups and length + seconds - _BETWEEN_S <= speech.WINDOW_S:
            groups[-1].append(scene)
            length += seconds
        else:
            groups.append([scene])
            length = seconds
    return groups


def time_words(narrations: list[Narration], job_dir: Path, hear: Hear | None = None) -> WordTimings:
    """The timing of every narrated word (``hear``: audio at 16 kHz, the known words → where
    they were heard; the shipped recogniser unless a test gives another)."""
    import soundfile as sf

    from reelforge.media import speech

    words: dict[int, list[Word]] = {}
    scenes: dict[int, SceneTiming] = {}
    pending: list[Scene] = []
    for narration in narrations:
        expected = [w for w, _, _ in _sentence_words(narration)]
        if narration.words and [w.text for w in narration.words] == expected:
            words[narration.scene_index] = [
                w.model_copy(update={"scene_index": narration.scene_index})
                for w in narration.words]
            scenes[narration.scene_index] = SceneTiming(scene_index=narration.scene_index,
                                                        method="synthesiser")
            continue
        audio, rate = sf.read(job_dir / narration.audio, dtype="float32", always_2d=True)
        pending.append((narration, speech.to_speech_rate(audio.mean(axis=1), rate)))
    gap = np.zeros(round(_BETWEEN_S * speech.RATE), dtype=np.float32)
    for group in _passes(pending):
        joined = np.concatenate([part for _, audio in group for part in (audio, gap)])
        script = [w for narration, _ in group for w, _, _ in _sentence_words(narration)]
        found = (hear or speech.recogniser().hear)(joined, script)
        heard = speech.voiced_only(found.words, speech.voiced_frames(joined))
        at = 0.0
        for narration, audio in group:
            end = at + audio.size / speech.RATE
            mine = [speech.HeardWord(h.text, h.start_s - at, h.end_s - at) for h in heard
                    if at - 0.2 <= (h.start_s + h.end_s) / 2 < end + 0.2]
            said = _sentence_words(narration)
            at = end + _BETWEEN_S
            i = narration.scene_index
            if not mine or not said:
                words[i] = _proportional(narration)
                scenes[i] = SceneTiming(scene_index=i, method="proportional", heard=0.0)
                continue
            first, last = said[0][1], said[-1][2]
            spans = speech.align_words([w for w, _, _ in said], mine, audio, first, last)
            words[i] = [
                Word(text=w, start_s=round(min(max(s.start_s, a), b), 3),
                     end_s=round(min(max(s.end_s, a), b), 3), scene_index=i)
                for (w, a, b), s in zip(said, spans, strict=True)]
            share = speech.heard_share([w for w, _, _ in said], mine)
            scenes[i] = SceneTiming(scene_index=i, method="recogniser",
                                    heard=round(share, 3) if found.method == "transcribed"
                                    else None)
    order = sorted(words)
    return WordTimings(words=[w for i in order for w in words[i]],
                       scenes=[scenes[i] for i in order])


class AlignStep:
    name = "align"
    progress = 0.33

    def run(self, job: JobRun, results: Results) -> None:
        narrations = results.get(Narrations)

        def make(_: Path) -> Made[WordTimings]:
            return Made(time_words(narrations.items, job.dir))

        inputs = {"narrations": narrations.keys,
                  "synthesised": [[(w.text, w.start_s, w.end_s) for w in n.words]
                                  for n in narrations.items]}
        out = job.run_step(self.name, "align", ALIGNER, inputs, WordTimings, make)
        results.put(out.result)
