"""Bad input gets one clear line, exit code 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "REELFORGE_DATA_DIR": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["make", ""], "invalid PROMPT"),
        (["make", "x" * 2001], "invalid PROMPT"),
        (["make", "hello", "--duration", "2"], "invalid --duration"),
        (["make", "hello", "--duration", "601"], "invalid --duration"),
        (["make", "hello", "--aspect", "4:3"], "invalid --aspect"),
        (["make", "hello", "--voice", "nobody"], "unknown voice 'nobody'"),
        (["make", "hello", "--emotion", "furious"], "unknown --emotion 'furious'"),
        (["make", "hello", "--intensity", "3"], "invalid --intensity"),
        (["make", "hello", "--out", "/proc/nope"], "cannot write to the output folder"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2_and_nothing_written(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = _run(args, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert " — " in lines[0]  # every error says what to do
    assert not (tmp_path / "out").exists()


def test_missing_ffmpeg_is_a_clear_error(tmp_path: Path) -> None:
    env_args = ["make", "hello", "--out", str(tmp_path / "o")]
    import os

    env = dict(
        os.environ,
        REELFORGE_FFMPEG_BINARY=str(tmp_path / "no-ffmpeg"),
        REELFORGE_DATA_DIR=str(tmp_path / "data"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", *env_args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "REELFORGE_FFMPEG_BINARY points at" in result.stderr
    assert not (tmp_path / "o").exists()


def test_voices_lists_piper_joe(tmp_path: Path) -> None:
    result = _run(["voices", "--json"], tmp_path)
    assert result.returncode == 0
    assert '"id": "joe"' in result.stdout


def test_make_batch_with_no_valid_brief_names_the_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "briefs.jsonl").write_text('{"prompt": ""}\n{"prompt": \n')
    result = _run(["make", "--batch", "briefs.jsonl"], tmp_path)
    assert result.returncode == 2
    assert "no valid brief" in result.stderr
    assert "briefs.jsonl:2: not valid JSON" in result.stderr.replace("\n", " ")
    assert not (tmp_path / "out").exists()
