"""assemble: one FFmpeg graph — clips cross-faded, captions burned, voice over ducked music."""

from __future__ import annotations

from pathlib import Path

from reelforge.assemble.captions import write_captions
from reelforge.assemble.render import render_video, subtitle_font_name, write_thumbnail
from reelforge.domain import Model, Narration, Timeline, Word
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.align import WordTimings
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.steps.score import MusicPick
from reelforge.pipeline.steps.visualize import Clips
from reelforge.pipeline.timeline import CROSSFADE_S, build_timeline

#: Bump the version when the render graph changes what it makes from the same timeline.
RENDERER = StepIdentity("ffmpeg-graph", "2")  # 2: word-timed caption styles
FILES = ("final.mp4", "captions.srt", "captions.vtt", "words.json", "thumbnail.jpg")


class Rendered(Model):
    """The finished video's timeline and the cache key of the render (analysis keys on it)."""

    timeline: Timeline
    key: str = ""


def video_words(timings: WordTimings, timeline: Timeline) -> list[Word]:
    """Every word at its time in the finished video (scene narration start + its time)."""
    starts = {s.scene_index: s.narration_start_s for s in timeline.scenes}
    return [w.model_copy(update={"start_s": round(starts[w.scene_index] + w.start_s, 3),
                                 "end_s": round(starts[w.scene_index] + w.end_s, 3)})
            for w in timings.words if w.scene_index in starts]


class AssembleStep:
    name = "assemble"
    progress = 0.95

    def run(self, job: JobRun, results: Results) -> None:
        clips = results.get(Clips)
        # a montage has no narration: no voice, no words, hard cuts
        narrations = results.find(Narrations) or Narrations(items=[], keys=[])
        timings = results.find(WordTimings) or WordTimings(words=[], scenes=[])
        spoken: list[Narration | None] = (list(narrations.items) if narrations.items
                                          else [None] * len(clips.items))
        width, height = job.brief.size
        timeline = build_timeline(
            [c.duration_s for c in clips.items],
            spoken,
            [c.video for c in clips.items],
            width=width,
            height=height,
            fps=job.settings.fps,
            music=results.get(MusicPick).choice,
            crossfade_s=CROSSFADE_S if clips.crossfade_s is None else clips.crossfade_s,
        )
        render = job.engines.render
        font_name = subtitle_font_name(render.font)
        words = video_words(timings, timeline)
        style = job.brief.captions
        methods = [s.model_dump(mode="json") for s in timings.scenes]

        def make(folder: Path) -> Made[Rendered]:
            captions = write_captions(words, style, folder, width, height, render.font,
                                      font_name, extra={"style": style, "scenes": methods})
            render_video(timeline, job.dir, captions.ass, folder / "final.mp4",
                         render, on_progress=lambda f: job.report(self.name, "assemble", f))
            write_thumbnail(folder / "final.mp4", folder / "thumbnail.jpg",
                            at_s=min(2.0, timeline.duration_s / 2), ffmpeg=render.ffmpeg)
            return Made(Rendered(timeline=timeline))

        inputs = {
            "timeline": timeline.model_dump(mode="json", exclude={"scenes"}),
            "scenes": [(s.start_s, s.duration_s, s.narration_start_s) for s in timeline.scenes],
            "content": (list(zip(narrations.keys, clips.keys, strict=True)) if narrations.keys
                        else clips.keys),
            "words": [(w.text, w.start_s, w.end_s, w.scene_index) for w in words],
            "timing": methods,
            "render": {
                "preset": render.preset,
                "crf": render.crf,
                "lufs": render.target_lufs,
                "font": font_name,
                "burn": render.burn_subtitles,
                "captions": style,
            },
        }
        out = job.run_step(self.name, "assemble", RENDERER, inputs, Rendered, make,
                           {name: name for name in FILES})
        results.put(Rendered(timeline=timeline, key=out.key))
