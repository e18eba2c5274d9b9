"""`reelforge footage add`, `search --json` and `list` through the real command, and the one
clear error when there is no library yet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.errors import InputError
from reelforge.settings import Settings


def test_add_then_search_json_names_each_rows_source_file(
    settings: Settings, footage_dir: Path, tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("beach_dog_running.mp4", "kitchen_two_shots.mp4", "broken_video.mp4"):
        shutil.copy(footage_dir / name, folder / name)
    runner = CliRunner()
    added = runner.invoke(app, ["footage", "add", str(folder), "--workers", "1",
                                "--no-transcribe", "--json"])
    assert added.exit_code == 0, added.output
    report = json.loads(added.stdout)
    assert len(report["added"]) == 2 and report["shots_added"] == 3
    assert [Path(f["path"]).name for f in report["failed"]] == ["broken_video.mp4"]

    found = runner.invoke(app, ["footage", "search", "a dog on the beach", "-k", "2", "--json"])
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)["results"]
    assert Path(rows[0]["file"]).name == "beach_dog_running.mp4"
    assert rows[0]["start"] == "0:00.0" and rows[0]["end"] == "0:02.0"
    assert rows[0]["score"] > rows[1]["score"] and "“beach”" in rows[0]["reason"]
    assert {Path(r["file"]).name for r in rows} == {"beach_dog_running.mp4",
                                                    "kitchen_two_shots.mp4"}

    table = runner.invoke(app, ["footage", "search", "purple", "-k", "1"])
    assert "0:01.2" in table.stdout and "colour purple" in table.stdout

    again = runner.invoke(app, ["footage", "add", str(folder), "--workers", "1"])
    assert "0 added (0 shots), 2 unchanged, 1 skipped" in " ".join(again.stdout.split()), \
        again.stdout

    listed = runner.invoke(app, ["footage", "list", "--json"])
    assert [Path(r["file"]).name for r in json.loads(listed.stdout)] == [
        "beach_dog_running.mp4", "kitchen_two_shots.mp4", "kitchen_two_shots.mp4"]


def test_search_before_any_add_says_to_run_footage_add(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["footage", "search", "anything"])
    assert isinstance(result.exception, InputError)
    assert "reelforge footage add" in str(result.exception)
