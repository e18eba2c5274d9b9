"""``make_video``: a brief in, a finished job folder out — a short sequence of cached steps.

The steps (``pipeline/steps/``: plan → narrate → visualize → score → assemble → analyze) each run
through the step cache under (step, engine, engine version, inputs) and copy their files into
the job folder; a re-run of the same brief, or a resumed crashed job, reuses every finished step.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reelforge import __version__
from reelforge.assemble.fonts import font_file
from reelforge.assemble.render import RenderOptions
from reelforge.domain import Brief, JobSpec, Manifest, Montage, MusicChoice, Plan
from reelforge.errors import InputError
from reelforge.media.ffmpeg import find_ffmpeg
from reelforge.pipeline.cache import CacheScope, StepCache
from reelforge.pipeline.step import JobRun, ProgressFn, Results, Step, StepEvent
from reelforge.pipeline.steps import make_steps
from reelforge.pipeline.steps.align import WordTimings
from reelforge.pipeline.steps.analyze import write_json
from reelforge.pipeline.steps.assemble import Rendered
from reelforge.pipeline.steps.choose_footage import FootageChoices
from reelforge.pipeline.steps.score import MusicPick
from reelforge.providers import registry
from reelforge.providers.base import MusicSource, ScriptWriter, VideoGenerator
from reelforge.providers.voice.emotion import voice_style
from reelforge.settings import Settings

if TYPE_CHECKING:
    from reelforge.library.footage import FootageIndex

__all__ = ["Engines", "JobResult", "ProgressFn", "StepEvent", "make_video", "new_job_id",
           "prepare", "run_job"]

OUTPUTS = {
    "analysis": "analysis.json",
    "video": "final.mp4",
    "captions": "captions.srt",
    "captions_vtt": "captions.vtt",
    "words": "words.json",
    "plan": "plan.json",
    "thumbnail": "thumbnail.jpg",
    "manifest": "manifest.json",
}


@dataclass
class JobResult:
    job_id: str
    job_dir: Path
    manifest: Manifest


@dataclass
class Engines:
    script: ScriptWriter
    #: None for a montage (``Brief.narration`` False): nothing is said, no voice is resolved
    voice: registry.VoiceChoice | None
    video: VideoGenerator
    music: MusicSource
    render: RenderOptions
    #: The creator's footage the scenes are chosen from (``Brief.footage``); None: none.
    footage: FootageIndex | None = None


def _check_writable(folder: Path) -> None:
    """Prove we can write where the job will go, without leaving anything behind."""
    import tempfile

    probe = folder.absolute()
    while not probe.exists():
        probe = probe.parent
    problem = "it is not a folder" if not probe.is_dir() else ""
    if not problem:
        try:
            with tempfile.TemporaryFile(dir=probe):
                pass
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem:
        raise InputError(
            f"cannot write to the output folder {folder} ({problem})",
            hint="choose another folder with --out, or fix its permissions",
        )


def prepare(brief: Brief, settings: Settings, out_dir: Path, *,
            footage: FootageIndex | None = None) -> Engines:
    """Check everything a job needs before anything is written, and choose its engines.

    ``footage``: the index to choose the brief's footage from (tests, services that hold one
    open); by default the brief's ``footage`` is opened (a folder is indexed first)."""
    _check_writable(out_dir)
    voice_style(brief.emotion, brief.intensity)  # raises InputError for an unknown emotion
    render = RenderOptions(
        ffmpeg=find_ffmpeg(settings.ffmpeg_binary),
        font=font_file(settings.font_file),
        preset=settings.x264_preset,
        crf=settings.x264_crf,
        target_lufs=settings.target_lufs,
    )
    if brief.footage is not None and footage is None:
        from reelforge.library.footage_source import open_footage

        footage = open_footage(brief.footage, settings)
    return Engines(
        footage=footage,
        script=registry.script_writer(settings, brief),
        voice=registry.voice_for(brief.voice, settings) if brief.narration else None,
        video=registry.video_generator(settings),
        music=registry.music_source(settings),
        render=render,
    )


def new_job_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def make_video(
    brief: Brief,
    settings: Settings,
    out_dir: Path | None = None,
    *,
    on_event: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    job_id: str | None = None,
    plan: Plan | None = None,
    engines: dict[str, str] | None = None,
    cache_scope: CacheScope | None = None,
    footage: FootageIndex | None = None,
) -> JobResult:
    """Make the video for ``brief`` in ``out_dir/<job_id>/``; returns its manifest.

    ``plan`` replaces the script writer with an edited plan: scenes whose narration and visuals
    are unchanged hit the step cache, so a re-run redoes only what the edit touched."""
    spec = JobSpec(kind="make", brief=brief, plan=plan, engines=engines or {})
    return run_job(spec, settings, Path(out_dir or settings.out_dir), on_event=on_event,
                   cancel=cancel, job_id=job_id, cache_scope=cache_scope, footage=footage)


def run_job(
    spec: JobSpec,
    settings: Settings,
    out_dir: Path,
    *,
    steps: Sequence[Step] | None = None,
    on_event: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    job_id: str | None = None,
    cache_scope: CacheScope | None = None,
    footage: FootageIndex | None = None,
) -> JobResult:
    """Run ``steps`` (by default the brief's: ``make_steps``) for a make job in
    ``out_dir/<job_id>/`` and write its manifest.

    ``cache_scope``: whose step cache the job reads and fills (a tenant's, sealed with its key
    when it encrypts artifacts; the CLI's is "local")."""
    assert spec.brief is not None
    steps = steps if steps is not None else make_steps(spec.brief)
    wall = time.monotonic()
    settings = registry.settings_for(settings, spec.engines)
    engines = prepare(spec.brief, settings, out_dir, footage=footage)
    job_id = job_id or new_job_id()
    job_dir = out_dir / job_id
    try:
        (job_dir / "narration").mkdir(parents=True, exist_ok=True)
        (job_dir / "clips").mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the job folder {job_dir}: {exc.strerror}",
            hint="choose another folder with --out",
        ) from exc
    cache = StepCache.for_settings(settings, cache_scope)
    job = JobRun(spec, settings, job_dir, engines, steps, cache=cache, on_event=on_event,
                 cancel=cancel)
    results = Results()
    for step in steps:
        step.run(job, results)

    plan = results.get(Plan)
    rendered = results.get(Rendered)
    music: MusicChoice | None = results.get(MusicPick).choice
    timings = results.find(WordTimings)
    footage_choices = results.find(FootageChoices)
    write_json(job_dir / "plan.json", {"plan": plan.model_dump(mode="json"),
                                       "timeline": rendered.timeline.model_dump(mode="json")})
    order = {step.name: i for i, step in enumerate(steps)}
    manifest = Manifest(
        job_id=job_id,
        reelforge_version=__version__,
        brief=spec.brief,
        title=plan.title,
        steps=sorted(job.records, key=lambda r: (order.get(r.step.split()[0], 99), r.step)),
        music=music,
        duration_s=rendered.timeline.duration_s,
        outputs=OUTPUTS,
        wall_time_s=round(time.monotonic() - wall, 3),
        word_timing={f"scene-{t.scene_index + 1:02d}": t.method
                     for t in (timings.scenes if timings else [])},
        footage=footage_choices.items if footage_choices else [],
        montage=results.find(Montage),
    )
    write_json(job_dir / "manifest.json", manifest.model_dump(mode="json"))
    return JobResult(job_id=job_id, job_dir=job_dir, manifest=manifest)
