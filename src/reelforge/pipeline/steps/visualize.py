"""visualize: each scene's moving picture, exactly as long as its narration needs (the last
scene also holds until the video is as long as asked).

A scene the footage step gave a shot shows that shot (``providers/video/footage.py``), keyed in
the cache by the shot itself (file content, seconds, treatment): another choice re-renders only
that scene. Every other scene is drawn by the job's video engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelforge.domain import Clip, Model, Plan
from reelforge.pipeline.step import JobRun, Made, Results
from reelforge.pipeline.steps.choose_footage import FootageChoices
from reelforge.pipeline.steps.narrate import Narrations, scene_name
from reelforge.pipeline.timeline import narration_durations
from reelforge.providers.base import ClipRequest, VideoGenerator

#: A shot's fields that do not change its clip: how well it matched, why those seconds, and
#: the library item a manifest names it by (so clips made before ``item_id`` stay cached).
PICK_NOT_KEYED = {"score", "part", "item_id"}


class Clips(Model):
    """Every scene's clip, in scene order, with the cache key of each (for assembly)."""

    items: list[Clip]
    keys: list[str]
    #: Seconds each scene fades into the next; None: the timeline's usual cross-fade (a
    #: montage cuts hard, on the beat: 0).
    crossfade_s: float | None = None


class VisualizeStep:
    name = "visualize"
    progress = 0.6

    def run(self, job: JobRun, results: Results) -> None:
        plan, narrations = results.get(Plan), results.get(Narrations)
        footage = results.find(FootageChoices) or FootageChoices(items=[])
        width, height = job.brief.size
        count = len(plan.scenes)
        durations = narration_durations(narrations.items, job.brief.duration_s)

        def visualize(i: int) -> tuple[Clip, str]:
            name = scene_name(i)
            duration = durations[i]
            request = ClipRequest(scene=plan.scenes[i], width=width, height=height,
                                  fps=job.settings.fps, duration_s=duration, seed=job.brief.seed)
            video: VideoGenerator = job.engines.video
            inputs: dict[str, Any] = {"request": request, "scene": request.scene}
            choice = footage.for_scene(i)
            if choice is not None and choice.shot is not None:
                from reelforge.providers.video.footage import FootageVideo

                video = FootageVideo(choice, ffmpeg=job.engines.render.ffmpeg)
                # what the clip is made of, and nothing else (a new narration of the same
                # length keeps the clip)
                inputs = {"shot": choice.shot.model_dump(mode="json", exclude=PICK_NOT_KEYED),
                          "treatment": choice.treatment, "speed": choice.speed,
                          "size": (width, height), "fps": request.fps,
                          "duration_s": round(duration, 4), "zoom_in": i % 2 == 0}

            def generate(folder: Path) -> Made[Clip]:
                shown = video.generate(request, folder / "clip.mp4")
                return Made(Clip(
                    scene_index=i, video=f"clips/{name}.mp4", duration_s=duration,
                    width=shown.width, height=shown.height, fps=shown.fps, engine=video.name),
                    shown.calls)

            out = job.run_step(self.name, f"visualize {name}", video, inputs, Clip, generate,
                               {"clip.mp4": f"clips/{name}.mp4"})
            # the duration follows this job's narration even when the clip came from the cache
            return out.result.model_copy(update={"duration_s": duration}), out.key

        done = job.for_each_scene(count, visualize)
        results.put(Clips(items=[c for c, _ in done], keys=[k for _, k in done]))
