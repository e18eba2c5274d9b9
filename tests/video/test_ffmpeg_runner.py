"""FFmpeg is run so that it can neither deadlock on a full pipe nor run forever."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reelforge.errors import RenderError
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg


def test_a_chatty_ffmpeg_with_progress_never_fills_a_pipe_nobody_reads(tmp_path: Path) -> None:
    """~2 MB of log on stderr while stdout carries the progress: finishes, log returned."""
    out = tmp_path / "x.mp4"
    started = time.monotonic()
    log = run_ffmpeg(["-debug_ts", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=25:duration=8",
                      "-c:v", "libx264", "-preset", "ultrafast", str(out)],
                     ffmpeg=find_ffmpeg(), total_s=8.0, on_progress=lambda f: None,
                     loglevel="trace")
    assert out.stat().st_size > 0 and len(log) > 100_000  # far past a 64 KB pipe buffer
    assert time.monotonic() - started < 120


def test_an_ffmpeg_that_runs_past_its_timeout_is_stopped_with_a_clear_error(
        tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="ran longer than 1 s and was stopped"):
        run_ffmpeg(["-re", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=25:duration=60",
                    "-f", "null", "-"], ffmpeg=find_ffmpeg(), timeout_s=1.0)
