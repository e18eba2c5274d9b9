"""score: the music under the video — searched by meaning, placed to end on a boundary."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Model, MusicChoice, Plan
from reelforge.pipeline.score import choose_music
from reelforge.pipeline.step import JobRun, Made, Results
from reelforge.pipeline.steps.visualize import Clips
from reelforge.pipeline.timeline import CROSSFADE_S


class MusicPick(Model):
    """The chosen music, or None when no usable track was found (the video has no music)."""

    choice: MusicChoice | None = None


def video_length(clips: Clips) -> float:
    """Scenes overlap by one cross-fade each."""
    return sum(c.duration_s for c in clips.items) - (len(clips.items) - 1) * CROSSFADE_S


class ScoreStep:
    name = "score"
    progress = 0.7

    def run(self, job: JobRun, results: Results) -> None:
        plan, clips = results.get(Plan), results.get(Clips)
        total_s = video_length(clips)
        music = job.engines.music

        def choose(_: Path) -> Made[MusicPick]:
            return Made(MusicPick(choice=choose_music(plan, total_s, music)))

        inputs = {
            "brief": plan.music_brief,
            "mood": plan.mood,
            "moods": [s.mood for s in plan.scenes],
            "duration_s": round(total_s, 1),
        }
        results.put(job.run_step(self.name, "score", music, inputs, MusicPick, choose).result)
