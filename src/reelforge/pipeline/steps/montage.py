"""montage: the creator's shots cut on the music's beats (``Brief.narration`` False).

Runs after score (the music is chosen first, as for any video, for the video's length): the
chosen track's beats come from the audio analysis (``media/audio_analysis.py``), moved to video
time where the music starts (and where it loops); the library is searched with the prompt, every
shot ranked; ``library/footage_montage.py`` cuts the montage; each shot is rendered as a clip by
``FootageVideo`` (cached by the shot itself, as visualize does) and the clips join with hard cuts.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from reelforge.domain import Clip, FootageChoice, Model, Montage, MusicChoice, Plan, Scene
from reelforge.errors import InputError
from reelforge.library.footage_montage import MontageRules, cut_montage
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.narrate import scene_name
from reelforge.pipeline.steps.score import MusicPick
from reelforge.pipeline.steps.visualize import PICK_NOT_KEYED, Clips
from reelforge.providers.base import ClipRequest

#: Bump when the same track would give other beats.
BEAT_GRID = StepIdentity("beat-grid", "1")
#: Bump when the same shots and beats would be cut differently.
CUTTER = StepIdentity("montage-cutter", "2")  # 2: the steadiest part of a shot
#: Beats of a video with no usable music: an even grid at this tempo (the note says so).
FALLBACK_BPM = 120.0


class BeatGrid(Model):
    """The beats under the video, in video seconds, and the track's own tempo."""

    beats: list[float]
    bpm: float = 0.0
    source: str = ""  # how they were found, in words
    note: str = ""  # set when the grid is not the music's own beats (none found, no music)


def video_beats(track_beats: list[float], start_s: float, track_s: float,
                duration_s: float) -> list[float]:
    """The track's beats in video time: the music starts at ``start_s`` of the track and, when
    it ends before the video does, plays again from the track's start (as assembly loops it)."""
    found = [b - start_s for b in track_beats if b >= start_s - 1e-3]
    if track_s > 0:
        offset = track_s - start_s
        while offset < duration_s:
            found += [offset + b for b in track_beats]
            offset += track_s
    return sorted(round(max(0.0, b), 3) for b in found if b <= duration_s + 1e-3)


def even_grid(bpm: float, duration_s: float, why: str) -> BeatGrid:
    """Beats every 60/bpm seconds from the video's start, when the music gives none."""
    step = 60 / bpm
    return BeatGrid(beats=[round(i * step, 3) for i in range(int(duration_s / step) + 1)],
                    bpm=bpm, source=f"an even {bpm:g} BPM grid", note=f"{why}: cut on an even "
                    f"{bpm:g} BPM grid")


def beat_grid(choice: MusicChoice | None, duration_s: float) -> BeatGrid:
    """The beats of the chosen music under a video of ``duration_s`` (analysed from the file;
    an even grid at the track's listed tempo, or 120 BPM, when it has no pulse to find)."""
    path = choice.track.path if choice is not None else None
    if choice is None or path is None:
        return even_grid(FALLBACK_BPM, duration_s, "no usable music")
    from reelforge.media.audio_analysis import ANALYSIS_SR, analyse_audio, decode_audio

    track = choice.track
    loops = track.duration_s <= 0 or choice.start_s + duration_s > track.duration_s - 0.05
    samples = decode_audio(Path(path), max_duration_s=(
        600.0 if loops else choice.start_s + duration_s + 1.0))
    track_s = samples.size / ANALYSIS_SR if loops else track.duration_s
    features = analyse_audio(samples)
    if len(features.beat_times) < 2:
        return even_grid(track.bpm or FALLBACK_BPM, duration_s,
                         f"no beat was found in {track.title!r}")
    return BeatGrid(beats=video_beats(features.beat_times, choice.start_s, track_s, duration_s),
                    bpm=round(features.bpm, 2),
                    source=f"{features.bpm:.0f} BPM, analysed from {Path(path).name}")


def pool_size(duration_s: float, rules: MontageRules) -> int:
    """Shots searched for a montage: four times what it shows at its aimed shot length (at
    least 50), so a large library is not ranked and ordered whole."""
    return max(50, math.ceil(4 * duration_s / rules.target_shot_s))


class MontageStep:
    name = "montage"
    progress = 0.85

    def run(self, job: JobRun, results: Results) -> None:
        index = job.engines.footage
        if index is None:
            raise InputError("a montage (no narration) needs footage",
                             hint="give --footage DIR or --footage library")
        plan, music = results.get(Plan), results.get(MusicPick).choice
        duration, fps = job.brief.duration_s, job.settings.fps
        track = music.track.model_dump(mode="json", include={"id", "path", "duration_s"}) \
            if music is not None else None

        grid = job.run_step(self.name, "montage beats", BEAT_GRID,
                            {"track": track, "start_s": music.start_s if music else 0.0,
                             "duration_s": round(duration, 3)},
                            BeatGrid, lambda _: Made(beat_grid(music, duration))).result
        rules = MontageRules()
        matches = index.search(job.brief.prompt, k=min(len(index), pool_size(duration, rules)))
        if not matches:
            raise InputError("the footage library has no shots to cut a montage from",
                             hint="add clips with `reelforge footage add DIR`")
        found = [(m.shot.shot_id, m.shot.source, m.shot.kind, m.shot.start_s, m.shot.end_s,
                  m.shot.width, m.shot.height, m.shot.image_hash, round(m.score, 5),
                  m.shot.extra.get("profile"), m.shot.extra.get("focus"))
                 for m in matches]

        def cut(_: Path) -> Made[Montage]:
            montage = cut_montage(matches, grid.beats, duration, fps, rules, bpm=grid.bpm)
            if grid.note:
                montage = montage.model_copy(update={"note": "; ".join(
                    n for n in (montage.note, grid.note) if n)})
            return Made(montage)

        montage = job.run_step(self.name, "montage", CUTTER,
                               {"beats": grid.beats, "duration_s": round(duration, 3),
                                "fps": fps, "found": found, "rules": asdict(rules)},
                               Montage, cut).result
        results.put(montage)
        results.put(self._clips(job, plan, montage))

    def _clips(self, job: JobRun, plan: Plan, montage: Montage) -> Clips:
        """Each shot as a clip of its exact length, cached by the shot (as visualize does)."""
        from reelforge.providers.video.footage import FootageVideo

        width, height = job.brief.size
        fps = job.settings.fps

        def render(i: int) -> tuple[Clip, str]:
            shot = montage.cuts[i]
            name = scene_name(i)
            scene = Scene(index=i, title=plan.title, narration=plan.scenes[0].narration,
                          visual_prompt="")
            request = ClipRequest(scene=scene, width=width, height=height, fps=fps,
                                  duration_s=shot.duration_s, seed=job.brief.seed)
            video = FootageVideo(FootageChoice(scene_index=i, shot=shot.shot,
                                               treatment=shot.treatment, speed=shot.speed),
                                 ffmpeg=job.engines.render.ffmpeg)
            inputs: dict[str, Any] = {
                "shot": shot.shot.model_dump(mode="json", exclude=PICK_NOT_KEYED),
                "treatment": shot.treatment, "speed": shot.speed, "size": (width, height),
                "fps": fps, "duration_s": round(shot.duration_s, 4), "zoom_in": i % 2 == 0}

            def generate(folder: Path) -> Made[Clip]:
                shown = video.generate(request, folder / "clip.mp4")
                return Made(Clip(scene_index=i, video=f"clips/{name}.mp4",
                                 duration_s=shot.duration_s, width=shown.width,
                                 height=shown.height, fps=shown.fps, engine=video.name),
                            shown.calls)

            out = job.run_step(self.name, f"montage {name}", video, inputs, Clip, generate,
                               {"clip.mp4": f"clips/{name}.mp4"})
            return out.result.model_copy(update={"duration_s": shot.duration_s}), out.key

        done = job.for_each_scene(len(montage.cuts), render)
        return Clips(items=[c for c, _ in done], keys=[k for _, k in done], crossfade_s=0.0)
