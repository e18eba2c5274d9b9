"""score: the music under the video — searched by meaning, placed to end on a boundary, or
composed for the video's length, scene boundaries and narration when the search falls short."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reelforge.domain import Model, MusicChoice, Plan
from reelforge.pipeline.cache import place
from reelforge.pipeline.score import VideoForm, choose_music
from reelforge.pipeline.step import JobRun, Made, Results
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.steps.visualize import Clips
from reelforge.pipeline.timeline import CROSSFADE_S, FIRST_LEAD_S

MUSIC_FILE = "music.wav"  # a composed piece, in the job folder


class MusicPick(Model):
    """The chosen music, or None when no usable track was found (the video has no music)."""

    choice: MusicChoice | None = None


def video_length(clips: Clips) -> float:
    """Scenes overlap by one cross-fade each."""
    fade = CROSSFADE_S if clips.crossfade_s is None else clips.crossfade_s
    return sum(c.duration_s for c in clips.items) - (len(clips.items) - 1) * fade


def video_form(clips: Clips, narrations: Narrations | None, seed: int) -> VideoForm:
    """The video's shape for a composer: a boundary in the middle of each cross-fade between
    scenes, and each scene's narration span (the timeline's arithmetic)."""
    boundaries, speech, start = [], [], 0.0
    for i, clip in enumerate(clips.items):
        if i:
            boundaries.append(round(start + CROSSFADE_S / 2, 3))
        if narrations is not None and i < len(narrations.items):
            spoken = start + (FIRST_LEAD_S if i == 0 else CROSSFADE_S)
            speech.append((round(spoken, 3), round(spoken + narrations.items[i].duration_s, 3)))
        start += clip.duration_s - CROSSFADE_S
    return VideoForm(round(video_length(clips), 3), tuple(boundaries), tuple(speech), seed)


class ScoreStep:
    name = "score"
    progress = 0.7

    def run(self, job: JobRun, results: Results) -> None:
        plan, clips = results.get(Plan), results.find(Clips)
        # a montage chooses its music first and cuts its shots on its beats: the video is the
        # length asked, with no scenes or speech yet
        form = (video_form(clips, results.find(Narrations), job.brief.seed) if clips is not None
                else VideoForm(round(job.brief.duration_s, 3), seed=job.brief.seed))
        music = job.engines.music

        def choose(_: Path) -> Made[MusicPick]:
            return Made(MusicPick(choice=choose_music(plan, form.duration_s, music, form)))

        inputs = {
            "brief": plan.music_brief,
            "mood": plan.mood,
            "moods": [s.mood for s in plan.scenes],
            "duration_s": round(form.duration_s, 1),
            "sections_s": list(form.sections_s),
            "speech_s": [list(span) for span in form.speech_s],
            "seed": form.seed,
        }
        pick = job.run_step(self.name, "score", music, inputs, MusicPick, choose).result
        results.put(keep_composed(pick, job.dir, lambda: choose(job.dir).result))


def keep_composed(pick: MusicPick, job_dir: Path, recompose: Callable[[], MusicPick]) -> MusicPick:
    """A composed piece is copied into the job folder as ``music.wav`` (the job is whole without
    the cache); the choice keeps pointing at the content-addressed piece, so assembly's cache
    key stays the same from job to job. When that file is gone, composing again gives the
    same bytes."""
    choice = pick.choice
    if choice is None or choice.track.source != "composed" or not choice.track.path:
        return pick
    piece = Path(choice.track.path)
    if not piece.is_file():
        pick = recompose()
    place(piece, job_dir / MUSIC_FILE)
    return pick
