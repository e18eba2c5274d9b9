"""narrate: each scene's narration spoken, one cue per sentence with its exact time."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Model, Narration, Plan
from reelforge.pipeline.step import JobRun, Made, Results
from reelforge.providers.base import SpeechRequest
from reelforge.text import split_sentences


class Narrations(Model):
    """Every scene's narration, in scene order, with the cache key of each (for assembly)."""

    items: list[Narration]
    keys: list[str]


def scene_name(index: int) -> str:
    return f"scene-{index + 1:02d}"


class NarrateStep:
    name = "narrate"
    progress = 0.3

    def run(self, job: JobRun, results: Results) -> None:
        plan = results.get(Plan)
        voice = job.engines.voice
        assert voice is not None, "a narrated job resolves its voice (runner.prepare)"

        def narrate(i: int) -> tuple[Narration, str]:
            name = scene_name(i)
            request = SpeechRequest(
                sentences=tuple(split_sentences(plan.scenes[i].narration)),
                voice=voice.voice_id,
                emotion=job.brief.emotion,
                intensity=job.brief.intensity,
                seed=job.brief.seed,
            )

            def speak(folder: Path) -> Made[Narration]:
                said = voice.engine.speak(request, folder / "speech.wav")
                return Made(Narration(
                    scene_index=i, audio=f"narration/{name}.wav", duration_s=said.duration_s,
                    sample_rate=said.sample_rate, cues=said.cues, engine=voice.engine.name,
                    voice=job.brief.voice, words=said.words), said.calls)

            out = job.run_step(self.name, f"narrate {name}", voice.engine, request, Narration,
                               speak, {"speech.wav": f"narration/{name}.wav"})
            return out.result, out.key

        done = job.for_each_scene(len(plan.scenes), narrate)
        results.put(Narrations(items=[n for n, _ in done], keys=[k for _, k in done]))
