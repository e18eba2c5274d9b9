"""``make --swap SCENE=SHOT_ID``: scene numbers from 1 as the CLI prints them, one clear line
for a malformed swap or a swap without footage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelforge.cli.make import parse_swaps
from reelforge.errors import InputError


def test_swaps_count_scenes_from_one_and_the_brief_from_zero() -> None:
    assert parse_swaps(["2=3f1c0a9e5b7d2c41#0", "1= ab#1 "]) == {1: "3f1c0a9e5b7d2c41#0",
                                                                0: "ab#1"}
    for bad in ("0=ab#1", "two=ab#1", "2=", "ab#1"):
        with pytest.raises(InputError, match="is not SCENE=SHOT_ID"):
            parse_swaps([bad])


@pytest.mark.parametrize(("options", "message"), [
    (["--swap", "1=ab#0"], "needs footage"),
    (["--footage", "library", "--swap", "x"], "is not SCENE=SHOT_ID"),
    (["--footage", "library", "--swap", "1=a b"], "is not a shot id"),
])
def test_cli_swap_errors_are_one_line(options: list[str], message: str, tmp_path: Path) -> None:
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make", "hello", *options],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "out").exists()
