"""Montage mode (``make --footage … --no-narration``): the creator's shots cut on the music's
beats, no narration, no voice; the brief check refuses what a montage cannot be."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from pydantic import ValidationError

from reelforge.domain import Brief, Track
from reelforge.errors import InvalidField
from reelforge.library.footage import FootageMatch, FootageShot, InMemoryFootageIndex
from reelforge.library.footage_choice import near_duplicates
from reelforge.library.footage_montage import MontageRules, cut_montage, order_for_variety
from reelforge.pipeline.steps.montage import video_beats
from reelforge.providers.base import MusicRequest, ScoredTrack
from reelforge.services.briefs import parse_brief
from reelforge.services.estimate import estimate_cost
from reelforge.settings import Settings

from .labelled import file_id, write_picture, write_video

FPS = 15
BPM = 120.0
FIRST_CLICK_S = 0.25  # the music's beats: 0.25, 0.75, 1.25, … (not on the video's start)
CLICKS = [FIRST_CLICK_S + k * 60 / BPM for k in range(80)]


# --- the cutter (pure) -------------------------------------------------------------------------

def _shots(files: int, per_file: int, seconds: float = 4.0) -> list[FootageMatch]:
    rng = random.Random(7)
    found = []
    for f in range(files):
        for k in range(per_file):
            shot = FootageShot(f"file{f}#{k}", f"/footage/file{f}.mp4", "video", k * seconds,
                               (k + 1) * seconds, 160, 90, f"shot {k} of file {f}",
                               image_hash=rng.getrandbits(64))
            found.append(FootageMatch(shot, 0.6 - 0.01 * len(found), ""))
    return found


def _on_a_beat(t: float, beats: Sequence[float], frame: float) -> bool:
    return any(abs(t - b) <= frame for b in beats)


@pytest.mark.parametrize("bpm", [72.0, 120.0, 174.0])
def test_every_cut_is_on_a_beat_and_every_shot_lasts_whole_beats(bpm: float) -> None:
    beats = [0.1 + k * 60 / bpm for k in range(200)]
    montage = cut_montage(_shots(5, 3), beats, 20.0, FPS)
    cuts = montage.cuts
    assert cuts[0].at_s == 0.0 and montage.missing_s == 0 and not montage.note
    assert abs(sum(c.duration_s for c in cuts) - 20.0) < 1e-6  # exactly the length asked
    for before, cut in pairwise(cuts):
        assert abs(before.at_s + before.duration_s - cut.at_s) < 1e-6
        assert _on_a_beat(cut.at_s, beats, 1 / FPS)  # the cut, on a beat
        assert cut.beat is not None and abs(beats[cut.beat] - cut.at_s) < 1e-3
    for cut in cuts[1:-1]:  # whole beats, within the rules (the first starts before a beat)
        assert 2 <= cut.beats <= 8
        assert abs(cut.duration_s - cut.beats * 60 / bpm) < 0.01
    assert 1.0 <= sum(c.duration_s for c in cuts[1:-1]) / (len(cuts) - 2) <= 3.5  # near 2 s


def test_no_shot_twice_and_no_file_or_look_twice_in_a_row() -> None:
    matches = _shots(4, 4)
    twin = matches[1].shot  # a look-alike of the best shot, in another file
    matches[2] = FootageMatch(FootageShot("twin#0", "/footage/twin.mp4", "video", 0, 4, 160, 90,
                                          "twin", image_hash=matches[0].shot.image_hash ^ 3),
                              matches[2].score, "")
    assert twin.source == matches[0].shot.source
    montage = cut_montage(matches, CLICKS, 20.0, FPS)
    ids = [c.shot.shot_id for c in montage.cuts]
    assert len(ids) == len(set(ids)) and not any(c.reused for c in montage.cuts)
    shown = {m.shot.shot_id: m.shot for m in matches}
    for a, b in pairwise(ids):
        assert shown[a].source != shown[b].source
        assert not near_duplicates(shown[a], shown[b], MontageRules().near_duplicate_bits)


def test_variety_order_spreads_the_files_before_coming_back() -> None:
    order = order_for_variety(_shots(3, 3), bits=6)
    assert [m.shot.source[-9:-4] for m in order[:3]] == ["file0", "file1", "file2"]


def test_a_library_too_short_says_what_is_missing_and_shows_shots_again() -> None:
    montage = cut_montage(_shots(2, 1, seconds=2.2), CLICKS, 10.0, FPS)
    assert montage.missing_s > 5 and "missing" in montage.note and "shown again" in montage.note
    assert abs(sum(c.duration_s for c in montage.cuts) - 10.0) < 1e-6
    first_again = next(c for c in montage.cuts if c.reused)
    assert "again" in first_again.reason
    assert all(not c.reused for c in montage.cuts[:first_again.index])


def test_the_beats_follow_the_music_start_and_its_loop() -> None:
    # a 4 s track with beats every second, started at 2.5 s: 0.5, 1.5 (to the end), then
    # the loop from the track's start: 1.5 + 0 … (assembly loops the file from 0)
    assert video_beats([0.0, 1.0, 2.0, 3.0], 2.5, 4.0, 5.0) == [0.5, 1.5, 2.5, 3.5, 4.5]


# --- the brief check ---------------------------------------------------------------------------

def test_a_montage_needs_footage_and_no_words_to_say() -> None:
    assert Brief(prompt="our summer", narration=False, footage="library").narration is False
    with pytest.raises(ValidationError, match="cut from your footage"):
        Brief(prompt="our summer", narration=False)
    with pytest.raises(ValidationError, match="script"):
        Brief(script="# A\nHello there.", narration=False, footage="library")
    with pytest.raises(ValidationError, match="swaps"):
        Brief(prompt="p", narration=False, footage="library", footage_swaps={0: "abc#0"})
    with pytest.raises(InvalidField) as refused:
        parse_brief({"prompt": "our summer", "narration": False}, where="brief")
    assert refused.value.field == "narration" and "brief.narration" in refused.value.message


def test_cli_no_narration_without_footage_is_one_line(tmp_path: Path) -> None:
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make", "our summer", "--no-narration"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "--no-narration" in lines[0] and "--footage" in lines[0]
    assert not (tmp_path / "out").exists()


def test_the_estimate_quotes_no_voice_and_no_clips_for_a_montage() -> None:
    settings = Settings(_env_file=None, video_engine="runware", runware_api_key="k",
                        hume_api_key="k")
    spoken = estimate_cost(Brief(prompt="our summer", voice="hume:Ava"), settings)
    assert spoken.by_provider.get("hume", 0) > 0 and spoken.by_provider.get("runware", 0) > 0
    montage = estimate_cost(Brief(prompt="our summer", voice="hume:Ava", narration=False,
                                  footage="library"), settings)
    assert montage.cost_usd == 0 and montage.by_provider == {}
    assert montage.engines["voice"] == "none" and montage.engines["script"] == "montage"


def test_the_studio_checkbox_makes_a_montage_brief() -> None:
    from reelforge.server.web.actions import brief_from

    brief, _ = brief_from({"prompt": "our summer", "duration_s": "20", "intensity": "0.5",
                           "montage": "1"})
    assert brief.narration is False and brief.footage == "library"
    with pytest.raises(InvalidField) as refused:
        brief_from({"prompt": "p", "duration_s": "20", "intensity": "0.5", "montage": "1",
                    "script": "# A\nHello there."})
    assert refused.value.field == "narration"


def test_the_api_takes_narration_false_and_refuses_it_without_footage(
        settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from reelforge.jobs.platform import open_platform
    from reelforge.server.app import create_app
    from reelforge.store.db import forget_databases
    from reelforge.store.tenants import create_key

    platform = open_platform(settings)
    try:
        with platform.db.session() as session:
            editor = create_key(session, "acme", "editor").secret
        client = TestClient(create_app(platform=platform),
                            headers={"Authorization": f"Bearer {editor}"})
        schema = client.get("/openapi.json").json()
        assert "narration" in schema["components"]["schemas"]["Brief"]["properties"]
        made = client.post("/v1/jobs", json={"prompt": "our summer", "duration_s": 10,
                                              "narration": False, "footage": "library"})
        assert made.status_code == 202, made.text
        assert made.json()["brief"]["narration"] is False
        refused = client.post("/v1/jobs", json={"prompt": "our summer", "narration": False})
        assert refused.status_code == 422 and "narration" in refused.text
    finally:
        forget_databases()


# --- end to end --------------------------------------------------------------------------------

COLOURS = [(230, 40, 40), (40, 200, 60), (40, 70, 230), (240, 220, 40), (200, 40, 220),
           (40, 220, 220), (250, 140, 20), (120, 120, 120), (20, 20, 20), (250, 250, 250)]


def _embed(texts: Sequence[str]) -> np.ndarray:
    """Deterministic vectors (the montage ranks by the prompt, but cuts for variety)."""
    rows = [np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16))
            .standard_normal(16) for t in texts]
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _library(folder: Path) -> list[FootageShot]:
    """Four tiny videos of two flat-colour shots each (3 s), and one picture."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = []
    for f in range(4):
        path = folder / f"clip{f}.mp4"
        write_video(path, COLOURS[2 * f:2 * f + 2], (3.0, 3.0))
        shots += [FootageShot(f"{file_id(path)}#{k}", str(path), "video", 3.0 * k, 3.0 * k + 3,
                              160, 90, f"clip {f} shot {k}",
                              image_hash=random.Random(f * 8 + k).getrandbits(64))
                  for k in range(2)]
    picture = folder / "still.jpg"
    write_picture(picture, COLOURS[8])
    shots.append(FootageShot(f"{file_id(picture)}#0", str(picture), "picture", 0, 0, 320, 180,
                             "a still", image_hash=random.Random(99).getrandbits(64)))
    return shots


class ClickMusic:
    """A music source with one track of clicks on known beats."""

    name, version = "click-music", "1"

    def __init__(self, path: Path) -> None:
        self.track = Track(id="clicks", title="Clicks", path=str(path), duration_s=40.0,
                           bpm=BPM, source="library")

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        return [ScoredTrack(track=self.track, score=1.0, reason="the only track")]


def _click_track(path: Path, sr: int = 22050) -> Path:
    y = np.zeros(int(40 * sr), np.float32)
    n = int(0.03 * sr)
    click = (np.sin(2 * np.pi * 1000 * np.arange(n) / sr)
             * np.exp(-np.arange(n) / (0.004 * sr))).astype(np.float32)
    for t in CLICKS:
        i = round(t * sr)
        y[i:i + n] += 0.8 * click[: y.size - i]
    sf.write(path, y, sr)
    return path


def _changes(video: Path) -> tuple[list[float], int]:
    """Times of the frames whose colour differs from the one before (hard cuts), and frames."""
    colours = []
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            small = frame.reformat(width=32, height=18).to_ndarray(format="rgb24")
            colours.append(np.median(small.reshape(-1, 3), axis=0))
    jumps = [i for i in range(1, len(colours))
             if np.abs(colours[i] - colours[i - 1]).max() > 40]
    return [i / FPS for i in jumps], len(colours)


@pytest.mark.slow
def test_a_montage_is_cut_on_the_music_beats_with_no_voice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.pipeline.runner import make_video
    from reelforge.providers import registry

    shots = _library(tmp_path / "footage")
    index = InMemoryFootageIndex(shots, _embed([s.description for s in shots]), _embed)
    music = ClickMusic(_click_track(tmp_path / "clicks.wav"))
    monkeypatch.setattr(registry, "music_source", lambda settings: music)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", out_dir=tmp_path / "out",
                        script_engine="template", video_engine="local", fps=FPS,
                        x264_preset="ultrafast")
    brief = Brief(prompt="our summer by the sea", duration_s=8, aspect="16:9",
                  narration=False, footage="library")
    made = make_video(brief, settings, footage=index)
    m = made.manifest

    steps = {s.step.split()[0] for s in m.steps}
    assert steps == {"plan", "score", "montage", "assemble", "analyze"}  # no narrate, align
    assert not {s.engine for s in m.steps} & {"piper", "espeak-ng", "hume", "openai"}
    assert m.cost_usd == 0 and m.word_timing == {} and m.footage == []
    assert not list((made.job_dir / "narration").iterdir())

    montage = m.montage
    assert montage is not None and abs(montage.bpm - BPM) < 1.5
    ids = [c.shot.shot_id for c in montage.cuts]
    assert len(ids) == len(set(ids)) >= 3  # no shot twice
    assert abs(sum(c.duration_s for c in montage.cuts) - 8.0) < 1e-6
    for cut in montage.cuts[1:]:  # recorded: on a beat of the music, within one frame
        assert _on_a_beat(cut.at_s, CLICKS, 1 / FPS), cut
        assert cut.beat is not None and cut.beat_s == cut.at_s
    assert all(Path(c.shot.source).parent == tmp_path / "footage" for c in montage.cuts)

    # in the video itself: every hard cut is on a click, within one frame, and only there
    changes, frames = _changes(made.job_dir / "final.mp4")
    assert abs(frames / FPS - 8.0) <= 1 / FPS
    assert len(changes) == len(montage.cuts) - 1, (changes, [c.at_s for c in montage.cuts])
    for t in changes:
        assert _on_a_beat(t, CLICKS, 1 / FPS), (t, changes)
    with av.open(str(made.job_dir / "final.mp4")) as container:
        assert container.streams.audio  # the music

    again = make_video(brief, settings, footage=index)
    assert all(s.cache_hit for s in again.manifest.steps)
    assert again.manifest.montage == montage


@pytest.mark.slow
def test_a_queued_montage_runs_with_no_voice_step_and_no_paid_call(
        settings: Settings, tmp_path: Path, encode) -> None:
    """Through the API and the worker's code: the tenant's library, the built-in music."""
    from fastapi.testclient import TestClient

    from reelforge.jobs.platform import open_platform
    from reelforge.jobs.worker import execute_job
    from reelforge.library.footage_store import tenant_footage_folder
    from reelforge.server.app import create_app
    from reelforge.store.db import forget_databases
    from reelforge.store.tenants import create_key, get_or_create_tenant

    from .labelled import make_library, store_library

    platform = open_platform(settings.model_copy(update={
        "script_engine": "template", "video_engine": "local", "music_engine": "builtin",
        "fps": 12, "x264_preset": "ultrafast"}))
    try:
        with platform.db.session() as session:
            editor = create_key(session, "acme", "editor").secret
            tenant_id = get_or_create_tenant(session, "acme").id
        library = make_library(tmp_path / "footage")
        store_library(library, tenant_footage_folder(platform.settings, tenant_id), encode)
        client = TestClient(create_app(platform=platform),
                            headers={"Authorization": f"Bearer {editor}"})
        brief = {"prompt": "A week by the sea", "duration_s": 6, "aspect": "16:9",
                 "voice": "hume:Ava", "narration": False, "footage": "library"}
        quoted = client.post("/v1/jobs/estimate", json=brief)
        assert quoted.status_code == 200, quoted.text
        assert quoted.json()["cost_usd"] == 0  # a Hume voice named (and no Hume key): unused
        made = client.post("/v1/jobs", json=brief)
        assert made.status_code == 202, made.text
        job_id = made.json()["id"]
        assert execute_job(platform, job_id) == "succeeded"
        manifest = client.get(f"/v1/jobs/{job_id}/artifacts/manifest.json").json()
        steps = {s["step"].split()[0] for s in manifest["steps"]}
        assert steps == {"plan", "score", "montage", "assemble", "analyze"}
        assert manifest["paid_calls"] == [] and manifest["footage"] == []
        cuts = manifest["montage"]["cuts"]
        assert len({c["shot"]["shot_id"] for c in cuts}) == len(cuts) >= 2
        assert abs(sum(c["duration_s"] for c in cuts) - 6.0) < 1e-6
        assert all(c["beat"] is not None for c in cuts[1:])
        swap = client.post(f"/v1/jobs/{job_id}/footage/0",
                           json={"shot_id": cuts[0]["shot"]["shot_id"]})
        assert swap.status_code == 400 and "montage" in swap.text
    finally:
        forget_databases()


def test_music_with_no_pulse_or_no_music_gives_an_even_grid_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from reelforge.domain import MusicChoice
    from reelforge.media import audio_analysis
    from reelforge.pipeline.steps.montage import beat_grid

    none = beat_grid(None, 3.0)
    assert none.beats == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0] and "no usable music" in none.note
    hum = tmp_path / "hum.wav"
    sf.write(hum, 0.1 * np.sin(2 * np.pi * 220 * np.arange(5 * 22050) / 22050), 22050)
    monkeypatch.setattr(audio_analysis, "analyse_audio",
                        lambda samples: SimpleNamespace(beat_times=[], bpm=0.0))
    track = Track(id="hum", title="Hum", path=str(hum), duration_s=5.0, bpm=90.0)
    grid = beat_grid(MusicChoice(track=track, query="q", score=1.0, reason=""), 4.0)
    assert grid.bpm == 90.0 and "no beat was found in 'Hum'" in grid.note  # its listed tempo
    assert grid.beats[:3] == [0.0, 0.667, 1.333]


def test_a_large_library_is_searched_for_a_pool_not_ranked_whole() -> None:
    from reelforge.pipeline.steps.montage import pool_size

    assert pool_size(10, MontageRules()) == 50
    assert pool_size(600, MontageRules()) == 1200  # 300 shots of ~2 s, four times over
