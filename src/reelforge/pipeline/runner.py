"""``make_video``: a brief in, a finished job folder out, every step cached.

Steps: plan → (narrate → visualize) per scene, concurrently → score → assemble. Each step's
output is stored in the step cache under (step, engine, engine version, inputs), then copied into
the job folder; a re-run of the same brief, or a resumed crashed job, reuses every finished step.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from reelforge import __version__
from reelforge.assemble.fonts import font_file
from reelforge.assemble.render import (
    RenderOptions,
    render_video,
    subtitle_font_name,
    write_thumbnail,
)
from reelforge.assemble.subtitles import chars_per_line, chunk_cues, write_ass, write_srt
from reelforge.domain import (
    Brief,
    Clip,
    Manifest,
    MusicChoice,
    Narration,
    Plan,
    ProviderCall,
    StepRecord,
)
from reelforge.errors import Canceled, InputError
from reelforge.media.ffmpeg import find_ffmpeg
from reelforge.pipeline.cache import CacheEntry, CacheScope, StepCache, place, step_key
from reelforge.pipeline.score import choose_music
from reelforge.pipeline.timeline import CROSSFADE_S, build_timeline, scene_duration
from reelforge.providers import registry
from reelforge.providers.base import (
    ClipRequest,
    MusicSource,
    ScriptWriter,
    SpeechRequest,
    VideoGenerator,
)
from reelforge.providers.voice.emotion import voice_style
from reelforge.settings import Settings
from reelforge.text import split_sentences

StepState = Literal["started", "progress", "done", "cached"]


@dataclass(frozen=True)
class StepEvent:
    """Progress of one step, for progress bars (CLI) and server-sent events (API)."""

    step: str
    label: str
    state: StepState
    fraction: float = 0.0


ProgressFn = Callable[[StepEvent], None]


@dataclass
class JobResult:
    job_id: str
    job_dir: Path
    manifest: Manifest


@dataclass
class Engines:
    script: ScriptWriter
    voice: registry.VoiceChoice
    video: VideoGenerator
    music: MusicSource
    render: RenderOptions


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


def prepare(brief: Brief, settings: Settings, out_dir: Path) -> Engines:
    """Check everything a job needs before anything is written, and choose its engines."""
    _check_writable(out_dir)
    voice_style(brief.emotion, brief.intensity)  # raises InputError for an unknown emotion
    render = RenderOptions(
        ffmpeg=find_ffmpeg(settings.ffmpeg_binary),
        font=font_file(settings.font_file),
        preset=settings.x264_preset,
        crf=settings.x264_crf,
        target_lufs=settings.target_lufs,
    )
    return Engines(
        script=registry.script_writer(settings),
        voice=registry.voice_for(brief.voice, settings),
        video=registry.video_generator(settings),
        music=registry.music_source(settings),
        render=render,
    )


def new_job_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


class _Job:
    """The state of one running job: its folder, cache, engines and the manifest being filled."""

    def __init__(
        self,
        brief: Brief,
        settings: Settings,
        job_dir: Path,
        engines: Engines,
        on_event: ProgressFn | None,
        cancel: Callable[[], bool] | None,
        cache_scope: CacheScope | None = None,
    ) -> None:
        self.brief, self.settings, self.dir, self.engines = brief, settings, job_dir, engines
        self.cache = StepCache.for_settings(settings, cache_scope)
        self.on_event = on_event or (lambda event: None)
        self.cancel = cancel or (lambda: False)
        self.records: list[StepRecord] = []
        self._lock = threading.Lock()

    def check_cancel(self) -> None:
        if self.cancel():
            raise Canceled("the job was canceled; finished steps stay cached")

    def run_step(
        self,
        step: str,
        label: str,
        engine: Any,
        inputs: Any,
        make: Callable[[Path], dict[str, Any]],
        outputs: list[str],
    ) -> CacheEntry:
        """Run one step through the cache and record it in the manifest."""
        self.check_cancel()
        key = step_key(step, engine.name, engine.version, inputs)
        started = time.monotonic()
        self.on_event(StepEvent(step, label, "started"))
        entry = self.cache.get_or_make(key, make)
        calls = [] if entry.hit else [ProviderCall(**c) for c in entry.value.get("calls", [])]
        record = StepRecord(
            step=label,
            engine=engine.name,
            engine_version=engine.version,
            inputs_hash=key[:16],
            duration_s=round(time.monotonic() - started, 3),
            cost_usd=sum(c.cost_usd for c in calls),
            cache_hit=entry.hit,
            outputs=outputs,
            calls=calls,
        )
        with self._lock:
            self.records.append(record)
        self.on_event(StepEvent(step, label, "cached" if entry.hit else "done", 1.0))
        return entry


def _calls(calls: list[ProviderCall]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in calls]


def make_video(
    brief: Brief,
    settings: Settings,
    out_dir: Path | None = None,
    *,
    on_event: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    job_id: str | None = None,
    plan: Plan | None = None,
    cache_scope: CacheScope | None = None,
) -> JobResult:
    """Make the video for ``brief`` in ``out_dir/<job_id>/``; returns its manifest.

    ``plan`` replaces the script writer with an edited plan: scenes whose narration and visuals
    are unchanged hit the step cache, so a re-run redoes only what the edit touched.
    ``cache_scope`` is whose step cache it uses (a tenant's, sealed when it encrypts; default
    the CLI's ``local``)."""
    wall = time.monotonic()
    out_dir = Path(out_dir or settings.out_dir)
    engines = prepare(brief, settings, out_dir)
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
    job = _Job(brief, settings, job_dir, engines, on_event, cancel, cache_scope)
    width, height = brief.size

    # plan ------------------------------------------------------------------------------------
    def make_plan(_: Path) -> dict[str, Any]:
        result = engines.script.write(brief)
        return {"plan": result.plan.model_dump(mode="json"), "calls": _calls(result.calls)}

    plan_inputs: Any = brief.model_dump(
        include={"prompt", "duration_s", "aspect", "seed", "template", "music_mood"}
    )
    writer: Any = engines.script
    make: Callable[[Path], dict[str, Any]] = make_plan
    if plan is not None:
        edited = plan.model_dump(mode="json")
        writer, plan_inputs = _EditedPlanIdentity(), edited
        make = lambda _: {"plan": edited, "calls": []}  # noqa: E731
    plan_entry = job.run_step("plan", "plan", writer, plan_inputs, make, ["plan.json"])
    plan = Plan.model_validate(plan_entry.value["plan"])
    count = len(plan.scenes)

    # narrate → visualize, per scene, concurrently ---------------------------------------------
    def scene_work(i: int) -> tuple[Narration, Clip, str, str]:
        scene = plan.scenes[i]
        name = f"scene-{i + 1:02d}"
        voice = engines.voice
        speech = SpeechRequest(
            sentences=tuple(split_sentences(scene.narration)),
            voice=voice.voice_id,
            emotion=brief.emotion,
            intensity=brief.intensity,
            seed=brief.seed,
        )

        def make_speech(folder: Path) -> dict[str, Any]:
            result = voice.engine.speak(speech, folder / "speech.wav")
            return {
                "duration_s": result.duration_s,
                "sample_rate": result.sample_rate,
                "cues": [c.model_dump(mode="json") for c in result.cues],
                "calls": _calls(result.calls),
            }

        said = job.run_step(
            "narrate",
            f"narrate {name}",
            voice.engine,
            speech,
            make_speech,
            [f"narration/{name}.wav"],
        )
        place(said.file("speech.wav"), job_dir / "narration" / f"{name}.wav")
        narration = Narration(
            scene_index=i,
            audio=f"narration/{name}.wav",
            duration_s=said.value["duration_s"],
            sample_rate=said.value["sample_rate"],
            cues=said.value["cues"],
            engine=voice.engine.name,
            voice=brief.voice,
        )
        duration = scene_duration(i, count, narration.duration_s, brief.duration_s)
        request = ClipRequest(
            scene=scene,
            width=width,
            height=height,
            fps=settings.fps,
            duration_s=duration,
            seed=brief.seed,
        )

        def make_clip(folder: Path) -> dict[str, Any]:
            result = engines.video.generate(request, folder / "clip.mp4")
            return {
                "duration_s": result.duration_s,
                "width": result.width,
                "height": result.height,
                "fps": result.fps,
                "calls": _calls(result.calls),
            }

        shown = job.run_step(
            "visualize",
            f"visualize {name}",
            engines.video,
            {"request": request, "scene": scene},
            make_clip,
            [f"clips/{name}.mp4"],
        )
        place(shown.file("clip.mp4"), job_dir / "clips" / f"{name}.mp4")
        clip = Clip(
            scene_index=i,
            video=f"clips/{name}.mp4",
            duration_s=duration,
            width=shown.value["width"],
            height=shown.value["height"],
            fps=shown.value["fps"],
            engine=engines.video.name,
        )
        return narration, clip, said.key, shown.key

    with ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="scene") as pool:
        scene_results = list(pool.map(scene_work, range(count)))
    narrations = [r[0] for r in scene_results]
    clips = [r[1] for r in scene_results]
    durations = [c.duration_s for c in clips]
    total_s = sum(durations) - (count - 1) * CROSSFADE_S

    # score -----------------------------------------------------------------------------------
    def make_score(_: Path) -> dict[str, Any]:
        choice = choose_music(plan, total_s, engines.music)
        return {"choice": choice.model_dump(mode="json") if choice else None, "calls": []}

    score_inputs = {
        "brief": plan.music_brief,
        "mood": plan.mood,
        "moods": [s.mood for s in plan.scenes],
        "duration_s": round(total_s, 1),
    }
    scored = job.run_step("score", "score", engines.music, score_inputs, make_score, [])
    music = MusicChoice.model_validate(scored.value["choice"]) if scored.value["choice"] else None

    # assemble --------------------------------------------------------------------------------
    timeline = build_timeline(
        durations,
        narrations,
        [c.video for c in clips],
        width=width,
        height=height,
        fps=settings.fps,
        music=music,
    )
    render = engines.render
    font_name = subtitle_font_name(render.font)
    chunks = chunk_cues(timeline.cues, chars_per_line(width, height))

    def make_final(folder: Path) -> dict[str, Any]:
        write_srt(chunks, folder / "captions.srt")
        write_ass(chunks, folder / "captions.ass", width, height, font_name)

        def progress(fraction: float) -> None:
            job.on_event(StepEvent("assemble", "assemble", "progress", fraction))

        render_video(
            timeline,
            job_dir,
            folder / "captions.ass",
            folder / "final.mp4",
            render,
            on_progress=progress,
        )
        write_thumbnail(
            folder / "final.mp4",
            folder / "thumbnail.jpg",
            at_s=min(2.0, timeline.duration_s / 2),
            ffmpeg=render.ffmpeg,
        )
        return {"duration_s": timeline.duration_s, "calls": []}

    assemble_inputs = {
        "timeline": timeline.model_dump(mode="json", exclude={"scenes"}),
        "scenes": [(s.start_s, s.duration_s, s.narration_start_s) for s in timeline.scenes],
        "content": [(r[2], r[3]) for r in scene_results],
        "render": {
            "preset": render.preset,
            "crf": render.crf,
            "lufs": render.target_lufs,
            "font": font_name,
            "burn": render.burn_subtitles,
        },
    }
    renderer = _RendererIdentity()
    final = job.run_step(
        "assemble",
        "assemble",
        renderer,
        assemble_inputs,
        make_final,
        ["final.mp4", "captions.srt", "thumbnail.jpg"],
    )
    for name in ("final.mp4", "captions.srt", "thumbnail.jpg"):
        place(final.file(name), job_dir / name)

    # analyze: the finished video's shots and looks, stored with the job -------------------------
    def make_analysis(folder: Path) -> dict[str, Any]:
        from reelforge.media.video_analysis import analyze_video

        def progress(fraction: float) -> None:
            job.on_event(StepEvent("analyze", "analyze", "progress", fraction))

        document = analyze_video(job_dir / "final.mp4", on_progress=progress)
        # analyze_video's "file" section is a dict; its document is typed dict[str, object]
        cast("dict[str, Any]", document.get("file", {})).pop("path", None)
        _write_json(folder / "analysis.json", document)
        return {"shots": len(document.get("shots", [])), "calls": []}  # type: ignore[arg-type]

    analysis = job.run_step("analyze", "analyze", _AnalyzerIdentity(), {"video": final.key},
                            make_analysis, ["analysis.json"])
    place(analysis.file("analysis.json"), job_dir / "analysis.json")

    # manifest --------------------------------------------------------------------------------
    _write_json(
        job_dir / "plan.json",
        {"plan": plan.model_dump(mode="json"), "timeline": timeline.model_dump(mode="json")},
    )
    manifest = Manifest(
        job_id=job_id,
        reelforge_version=__version__,
        brief=brief,
        title=plan.title,
        steps=sorted(job.records, key=_step_order),
        music=music,
        duration_s=timeline.duration_s,
        outputs={
            "analysis": "analysis.json",
            "video": "final.mp4",
            "captions": "captions.srt",
            "plan": "plan.json",
            "thumbnail": "thumbnail.jpg",
            "manifest": "manifest.json",
        },
        wall_time_s=round(time.monotonic() - wall, 3),
    )
    _write_json(job_dir / "manifest.json", manifest.model_dump(mode="json"))
    return JobResult(job_id=job_id, job_dir=job_dir, manifest=manifest)


class _RendererIdentity:
    """The assembly 'engine' for the cache key: bump version when the render graph changes."""

    name = "ffmpeg-graph"
    version = "1"


class _EditedPlanIdentity:
    """The 'script writer' of a plan a person edited (re-run from the studio or the API)."""

    name = "edited-plan"
    version = "1"


class _AnalyzerIdentity:
    """The video analysis 'engine' for the cache key."""

    name = "video-analysis"
    version = "1"


_ORDER = {"plan": 0, "narrate": 1, "visualize": 2, "score": 3, "assemble": 4, "analyze": 5}


def _step_order(record: StepRecord) -> tuple[int, str]:
    kind = record.step.split()[0]
    return _ORDER.get(kind, 9), record.step


def _write_json(path: Path, value: Any) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)
