"""`reelforge video ...` as a user runs it: output formats, keyframes, clustering, exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.cli import main

from .conftest import Clip
from .synth import Join, ShotSpec, make_video

runner = CliRunner()


def test_shots_json_lists_every_shot(cuts_clip: Clip) -> None:
    result = runner.invoke(main.app, ["video", "shots", str(cuts_clip.path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["start_frame"] for s in doc["shots"]] == [0, *cuts_clip.truth.cuts]


def test_shots_csv_and_keyframes(cuts_clip: Clip, tmp_path: Path) -> None:
    result = runner.invoke(main.app, ["video", "shots", str(cuts_clip.path), "--csv",
                                      "--keyframes", str(tmp_path), "--keyframe-size", "64"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["start_frame"]) for r in rows] == [0, *cuts_clip.truth.cuts]
    assert all(Path(p).exists() for r in rows for p in r["keyframes"].split())
    assert len(list(tmp_path.glob("*.jpg"))) >= 4


def test_analyze_writes_the_document(cuts_clip: Clip, tmp_path: Path) -> None:
    out = tmp_path / "analysis.json"
    result = runner.invoke(main.app, ["video", "analyze", str(cuts_clip.path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["schema_version"] == "video-analysis.v1"


def test_cluster_groups_the_same_scene_across_files(tmp_path: Path) -> None:
    for i in range(3):  # three files, each with the same three scenes in a different order
        seeds = [(201 + (i + k) % 3) for k in range(3)]
        make_video(tmp_path / f"take{i}.mp4", [ShotSpec(30, s, vx=0.3) for s in seeds],
                   [Join("cut")] * 2, width=128, height=72)
    result = runner.invoke(main.app, ["video", "cluster", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    groups = [g for g in doc["groups"] if g["label"] >= 0]
    assert len(groups) == 3
    for group in groups:  # each group holds one scene, once from every file
        assert sorted(Path(s["path"]).name for s in group["shots"]) == [
            "take0.mp4", "take1.mp4", "take2.mp4"]


def _run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["reelforge", *args])
    with pytest.raises(SystemExit) as caught:
        main.run()
    return int(caught.value.code or 0)


@pytest.mark.parametrize("kind", ["zero-byte", "truncated", "not-a-video", "image-only",
                                  "audio-only", "unsupported-codec", "huge-dimensions"])
def test_bad_input_exits_2_with_one_line_and_no_traceback(
        bad_inputs: dict[str, Path], kind: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_cli(monkeypatch, "video", "shots", str(bad_inputs[kind])) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert bad_inputs[kind].name in err


def test_cluster_of_a_folder_without_videos_exits_2(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    assert _run_cli(monkeypatch, "video", "cluster", str(tmp_path)) == 2
    assert "no video files" in capsys.readouterr().err


def test_cluster_skips_a_broken_file_and_goes_on(bad_inputs: dict[str, Path], cuts_clip: Clip,
                                                 tmp_path: Path) -> None:
    shutil.copy(cuts_clip.path, tmp_path / "good.mp4")
    shutil.copy(bad_inputs["truncated"], tmp_path / "broken.mp4")
    result = runner.invoke(main.app, ["video", "cluster", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [Path(s["path"]).name for s in doc["skipped"]] == ["broken.mp4"]
    assert doc["shots"] == 4
