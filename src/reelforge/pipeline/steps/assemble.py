"""assemble: one FFmpeg graph — clips cross-faded, captions burned, voice over ducked music."""

from __future__ import annotations

from pathlib import Path

from reelforge.assemble.render import render_video, subtitle_font_name, write_thumbnail
from reelforge.assemble.subtitles import chars_per_line, chunk_cues, write_ass, write_srt
from reelforge.domain import Model, Timeline
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.steps.score import MusicPick
from reelforge.pipeline.steps.visualize import Clips
from reelforge.pipeline.timeline import build_timeline

#: Bump the version when the render graph changes what it makes from the same timeline.
RENDERER = StepIdentity("ffmpeg-graph", "1")
FILES = ("final.mp4", "captions.srt", "thumbnail.jpg")


class Rendered(Model):
    """The finished video's timeline and the cache key of the render (analysis keys on it)."""

    timeline: Timeline
    key: str = ""


class AssembleStep:
    name = "assemble"
    progress = 0.95

    def run(self, job: JobRun, results: Results) -> None:
        narrations, clips = results.get(Narrations), results.get(Clips)
        width, height = job.brief.size
        timeline = build_timeline(
            [c.duration_s for c in clips.items],
            narrations.items,
            [c.video for c in clips.items],
            width=width,
            height=height,
            fps=job.settings.fps,
            music=results.get(MusicPick).choice,
        )
        render = job.engines.render
        font_name = subtitle_font_name(render.font)
        chunks = chunk_cues(timeline.cues, chars_per_line(width, height))

        def make(folder: Path) -> Made[Rendered]:
            write_srt(chunks, folder / "captions.srt")
            write_ass(chunks, folder / "captions.ass", width, height, font_name)
            render_video(timeline, job.dir, folder / "captions.ass", folder / "final.mp4",
                         render, on_progress=lambda f: job.report(self.name, "assemble", f))
            write_thumbnail(folder / "final.mp4", folder / "thumbnail.jpg",
                            at_s=min(2.0, timeline.duration_s / 2), ffmpeg=render.ffmpeg)
            return Made(Rendered(timeline=timeline))

        inputs = {
            "timeline": timeline.model_dump(mode="json", exclude={"scenes"}),
            "scenes": [(s.start_s, s.duration_s, s.narration_start_s) for s in timeline.scenes],
            "content": list(zip(narrations.keys, clips.keys, strict=True)),
            "render": {
                "preset": render.preset,
                "crf": render.crf,
                "lufs": render.target_lufs,
                "font": font_name,
                "burn": render.burn_subtitles,
            },
        }
        out = job.run_step(self.name, "assemble", RENDERER, inputs, Rendered, make,
                           {name: name for name in FILES})
        results.put(Rendered(timeline=timeline, key=out.key))
