"""Finding and running the FFmpeg binary (the one imageio-ffmpeg ships, unless configured).

Every FFmpeg run in reelforge goes through ``run_ffmpeg`` so errors read the same everywhere and
progress (``-progress pipe:1``) can drive a progress bar.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from reelforge.errors import DependencyMissing, RenderError


@lru_cache(maxsize=4)
def find_ffmpeg(configured: Path | None = None) -> Path:
    """The FFmpeg to run: the configured one, else imageio-ffmpeg's, else one on PATH."""
    if configured is not None:
        if not Path(configured).is_file():
            raise DependencyMissing(
                f"REELFORGE_FFMPEG_BINARY points at {configured}, which does not exist",
                hint="unset it to use the FFmpeg that imageio-ffmpeg ships",
            )
        return Path(configured)
    try:
        import imageio_ffmpeg

        return Path(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:
        found = shutil.which("ffmpeg")
        if found:
            return Path(found)
    raise DependencyMissing(
        "FFmpeg was not found",
        hint="reinstall with `make install` (imageio-ffmpeg ships it), "
        "or set REELFORGE_FFMPEG_BINARY",
    )


#: A render of a 10-minute video takes minutes; an FFmpeg still running after this is stuck.
FFMPEG_TIMEOUT_S = 4 * 3600.0


def run_ffmpeg(
    args: Sequence[str | Path],
    *,
    ffmpeg: Path | None = None,
    total_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    what: str = "FFmpeg",
    cwd: Path | None = None,
    loglevel: str = "error",
    timeout_s: float = FFMPEG_TIMEOUT_S,
) -> str:
    """Run FFmpeg with ``args``; report progress as a 0..1 fraction of ``total_s``.

    Returns FFmpeg's log (stderr); raises RenderError with its tail when FFmpeg fails or runs
    past ``timeout_s``. stderr is drained by a thread while stdout carries the progress, so a
    chatty FFmpeg can never fill a pipe nobody reads and hang both processes.
    """
    binary = ffmpeg or find_ffmpeg()
    cmd = [str(binary), "-hide_banner", "-nostdin", "-y", "-loglevel", loglevel]
    if on_progress is not None and total_s:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += [str(a) for a in args]
    log_lines: list[str] = []
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", cwd=cwd
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        drain = threading.Thread(target=lambda: log_lines.extend(proc.stderr or ()),
                                 name="ffmpeg-stderr", daemon=True)
        drain.start()
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proc.kill()

        watchdog = threading.Timer(timeout_s, stop)
        watchdog.daemon = True
        watchdog.start()
        try:
            for line in proc.stdout:  # progress lines, or nothing (then it ends with FFmpeg)
                if on_progress is not None and total_s:
                    key, _, value = line.strip().partition("=")
                    if key == "out_time_us" and value.isdigit():
                        on_progress(min(1.0, int(value) / 1e6 / total_s))
            proc.wait()
        finally:
            watchdog.cancel()
            drain.join(timeout=10)
    stderr = "".join(log_lines)
    if timed_out.is_set():
        raise RenderError(f"{what} ran longer than {timeout_s:g} s and was stopped")
    if proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        raise RenderError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    if on_progress is not None:
        on_progress(1.0)
    return stderr
