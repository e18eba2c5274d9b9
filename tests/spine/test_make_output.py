"""The finished video is checked as a viewer would: streams, length, words on screen, loudness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from reelforge.assemble.captions.files import parse_srt
from reelforge.assemble.fonts import font_file
from reelforge.assemble.render import RenderOptions, render_video
from reelforge.domain import Brief, Timeline
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.pipeline.runner import JobResult, make_video
from reelforge.settings import Settings

pytestmark = pytest.mark.slow


def _timeline(job_dir: Path) -> Timeline:
    return Timeline.model_validate(json.loads((job_dir / "plan.json").read_text())["timeline"])


def _frame_at(video: Path, t: float) -> np.ndarray:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= t:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {t}s")


def test_job_folder_holds_every_promised_output(made: JobResult) -> None:
    names = {p.relative_to(made.job_dir).as_posix() for p in made.job_dir.rglob("*") if p.is_file()}
    scenes = len(_timeline(made.job_dir).scenes)
    expected = {"final.mp4", "captions.srt", "captions.vtt", "words.json", "plan.json",
                "thumbnail.jpg", "manifest.json", "analysis.json"}
    expected |= {f"narration/scene-{i:02d}.wav" for i in range(1, scenes + 1)}
    expected |= {f"clips/scene-{i:02d}.mp4" for i in range(1, scenes + 1)}
    assert names == expected  # and nothing half-written (.part) left behind


def test_final_has_one_h264_and_one_aac_stream_and_faststart(made: JobResult) -> None:
    final = made.job_dir / "final.mp4"
    with av.open(str(final)) as container:
        kinds = [(s.type, s.codec_context.name) for s in container.streams]
        assert kinds == [("video", "h264"), ("audio", "aac")]
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1080, 1920)
    head = final.read_bytes()[:4096]
    assert (
        head.find(b"moov") != -1 and head.find(b"moov") < head.find(b"mdat")
    ) or b"mdat" not in head


def test_final_duration_matches_the_plan_within_half_a_second(made: JobResult) -> None:
    timeline = _timeline(made.job_dir)
    with av.open(str(made.job_dir / "final.mp4")) as container:
        duration = container.duration / 1_000_000
    assert abs(duration - timeline.duration_s) <= 0.5
    assert abs(made.manifest.duration_s - timeline.duration_s) < 1e-6


def test_captions_match_the_narration_timings(made: JobResult) -> None:
    timeline = _timeline(made.job_dir)
    srt = parse_srt((made.job_dir / "captions.srt").read_text())
    words = json.loads((made.job_dir / "words.json").read_text())["words"]
    for cue in timeline.cues:  # every sentence's words are captioned inside the sentence
        inside = [w for w in words if cue.start_s - 0.002 <= w["start"] < cue.end_s]
        assert [w["text"] for w in inside] == cue.text.split()
        assert all(w["end"] <= cue.end_s + 0.002 for w in inside)
    assert {round(c.start_s, 3) for c in srt} <= {round(w["start"], 3) for w in words}
    spoken = " ".join(c.text for c in timeline.cues).split()
    assert " ".join(c.text for c in srt).split() == spoken
    assert all(len(c.text.splitlines()) <= 2 for c in srt)


def test_caption_times_are_where_the_voice_actually_speaks(made: JobResult) -> None:
    timeline = _timeline(made.job_dir)
    scene = timeline.scenes[0]
    audio, rate = sf.read(made.job_dir / scene.narration, dtype="float32")
    spoken_s = len(audio) / rate  # the next scene's voice may begin inside this cross-fade
    cues = [c for c in timeline.cues
            if scene.narration_start_s <= c.start_s < scene.narration_start_s + spoken_s]
    assert cues
    for cue in cues:
        a = int((cue.start_s - scene.narration_start_s) * rate)
        b = int((cue.end_s - scene.narration_start_s) * rate)
        assert np.sqrt(np.mean(audio[a:b] ** 2)) > 0.02  # speech inside the cue
    lead = audio[: int((cues[0].start_s - scene.narration_start_s) * rate) - 10]
    assert lead.size == 0 or np.max(np.abs(lead)) < 0.01  # silence before the first word


def test_subtitles_are_burned_into_the_picture(
    made: JobResult, spine_settings: Settings, tmp_path: Path
) -> None:
    timeline = _timeline(made.job_dir)
    cue = timeline.cues[0]
    options = RenderOptions(ffmpeg=find_ffmpeg(), font=font_file(), burn_subtitles=False)
    short = timeline.model_copy(
        update={"scenes": timeline.scenes[:1], "duration_s": timeline.scenes[0].duration_s}
    )
    bare = tmp_path / "bare.mp4"
    ass = tmp_path / "none.ass"
    ass.write_text("")
    render_video(short, made.job_dir, ass, bare, options)
    mid = (cue.start_s + cue.end_s) / 2
    with_subs, without = _frame_at(made.job_dir / "final.mp4", mid), _frame_at(bare, mid)
    h = with_subs.shape[0]
    band = slice(int(h * 0.70), int(h * 0.86))  # where the captions sit (above the safe margin)
    top = slice(0, int(h * 0.15))
    diff_band = np.abs(with_subs[band].astype(int) - without[band].astype(int)).mean()
    diff_top = np.abs(with_subs[top].astype(int) - without[top].astype(int)).mean()
    assert diff_band > 4 * max(diff_top, 0.5)  # text pixels differ; the rest is the same picture


def test_loudness_is_minus_14_lufs_within_one_and_a_half_lu(made: JobResult) -> None:
    log = run_ffmpeg(
        [
            "-i",
            str(made.job_dir / "final.mp4"),
            "-map",
            "0:a",
            "-af",
            "ebur128=framelog=quiet",
            "-f",
            "null",
            "-",
        ],
        loglevel="info",
    )
    integrated = float(re.findall(r"I:\s+(-?\d+\.\d) LUFS", log)[-1])
    assert abs(integrated - (-14.0)) <= 1.5


def test_manifest_records_every_step_with_engine_version_hash_and_cost(made: JobResult) -> None:
    manifest = json.loads((made.job_dir / "manifest.json").read_text())
    kinds = {s["step"].split()[0] for s in manifest["steps"]}
    assert kinds == {"plan", "narrate", "align", "visualize", "score", "assemble", "analyze"}
    scenes = len(_timeline(made.job_dir).scenes)
    assert manifest["word_timing"] == {  # Piper timed its own words
        f"scene-{i:02d}": "synthesiser" for i in range(1, scenes + 1)}
    for step in manifest["steps"]:
        assert step["engine"] and step["engine_version"] and len(step["inputs_hash"]) == 16
        assert step["cost_usd"] == 0.0
    assert manifest["music"]["track"]["licence"].startswith("MIT")


def test_second_run_of_the_same_brief_is_all_cache_hits(
    made: JobResult, spine_settings: Settings
) -> None:
    again = make_video(made.manifest.brief, spine_settings, Path(spine_settings.out_dir))
    assert again.job_dir != made.job_dir
    assert all(step.cache_hit for step in again.manifest.steps)
    assert (again.job_dir / "final.mp4").read_bytes() == (made.job_dir / "final.mp4").read_bytes()


def test_brief_round_trips_through_the_manifest(made: JobResult) -> None:
    assert made.manifest.brief == Brief(
        prompt="Why octopuses are smarter than you think",
        duration_s=14,
        aspect="9:16",
        voice="joe",
        emotion="curious",
        intensity=0.7,
    )


def test_analysis_of_the_final_video_finds_one_shot_per_scene(made: JobResult) -> None:
    analysis = json.loads((made.job_dir / "analysis.json").read_text())
    assert analysis["schema_version"] == "video-analysis.v1"
    assert len(analysis["shots"]) == len(_timeline(made.job_dir).scenes)
