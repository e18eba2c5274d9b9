"""visualize: each scene's moving picture, exactly as long as its narration needs."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Clip, Model, Plan
from reelforge.pipeline.step import JobRun, Made, Results
from reelforge.pipeline.steps.narrate import Narrations, scene_name
from reelforge.pipeline.timeline import scene_duration
from reelforge.providers.base import ClipRequest


class Clips(Model):
    """Every scene's clip, in scene order, with the cache key of each (for assembly)."""

    items: list[Clip]
    keys: list[str]


class VisualizeStep:
    name = "visualize"
    progress = 0.6

    def run(self, job: JobRun, results: Results) -> None:
        plan, narrations = results.get(Plan), results.get(Narrations)
        video = job.engines.video
        width, height = job.brief.size
        count = len(plan.scenes)

        def visualize(i: int) -> tuple[Clip, str]:
            name = scene_name(i)
            duration = scene_duration(i, count, narrations.items[i].duration_s,
                                      job.brief.duration_s)
            request = ClipRequest(scene=plan.scenes[i], width=width, height=height,
                                  fps=job.settings.fps, duration_s=duration, seed=job.brief.seed)

            def generate(folder: Path) -> Made[Clip]:
                shown = video.generate(request, folder / "clip.mp4")
                return Made(Clip(
                    scene_index=i, video=f"clips/{name}.mp4", duration_s=duration,
                    width=shown.width, height=shown.height, fps=shown.fps, engine=video.name),
                    shown.calls)

            out = job.run_step(self.name, f"visualize {name}", video,
                               {"request": request, "scene": request.scene}, Clip, generate,
                               {"clip.mp4": f"clips/{name}.mp4"})
            # the duration follows this job's narration even when the clip came from the cache
            return out.result.model_copy(update={"duration_s": duration}), out.key

        done = job.for_each_scene(count, visualize)
        results.put(Clips(items=[c for c, _ in done], keys=[k for _, k in done]))
