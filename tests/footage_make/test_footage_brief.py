"""The ``footage`` of a brief: validated once, a missing folder is one clear CLI line, and a
queued job may name only the library (never a path on the server's disk)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from reelforge.domain import Brief
from reelforge.errors import InvalidField
from reelforge.services.jobs import check_served_footage


def test_footage_is_the_library_in_any_case_or_a_folder() -> None:
    assert Brief(prompt="p", footage=" Library ").footage == "library"
    assert Brief(prompt="p", footage="~/clips ").footage == "~/clips"
    assert Brief(prompt="p").footage is None


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "x\x00y", "x" * 5000])
def test_a_blank_or_broken_footage_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Brief(prompt="p", footage=bad)


def test_a_queued_job_takes_the_library_but_never_a_folder() -> None:
    check_served_footage(Brief(prompt="p"))
    check_served_footage(Brief(prompt="p", footage="library"))
    with pytest.raises(InvalidField) as refused:
        check_served_footage(Brief(prompt="p", footage="/etc"))
    assert refused.value.field == "footage" and "reelforge make" in (refused.value.hint or "")


@pytest.mark.parametrize(("footage", "message"), [
    ("does-not-exist", "--footage does-not-exist: no such folder"),
    ("", "invalid --footage"),
])
def test_cli_footage_errors_are_one_line_and_nothing_is_written(
        footage: str, message: str, tmp_path: Path) -> None:
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make", "hello", "--footage", footage],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr
    assert " — " in lines[0] and not (tmp_path / "out").exists()
