"""How loud a (long) video's sound is, second by second, in constant memory.

FFmpeg decodes the sound to mono 8 kHz 16-bit samples through a pipe; each second is reduced
to its RMS level in dBFS and dropped, so an hour costs 3,600 floats, not the 230 MB of the
whole sound at 16 kHz. Used as the "audio energy" of a talk's moments (``library/moments``).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from reelforge.errors import RenderError

RATE = 8000
SILENCE_DB = -100.0


def rms_db(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS (``SILENCE_DB`` for digital silence)."""
    if samples.size == 0:
        return SILENCE_DB
    level = float(np.sqrt(np.mean(np.square(samples.astype(np.float64) / 32768.0))))
    return max(SILENCE_DB, 20.0 * float(np.log10(level))) if level > 0 else SILENCE_DB


def levels_per_second(video: Path, ffmpeg: Path, duration_s: float = 0.0,
                      on_progress: Callable[[float], None] | None = None,
                      chunk_s: float = 1.0) -> list[float]:
    """The sound's RMS level (dBFS) for each ``chunk_s`` of ``video``; [] without sound."""
    per_chunk = max(1, round(RATE * chunk_s))
    cmd = [str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(video),
           "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "pipe:1"]
    levels: list[float] = []
    errors: list[bytes] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:  # noqa: S603
        assert proc.stdout is not None and proc.stderr is not None
        stderr = proc.stderr
        drain = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
        drain.start()
        while True:
            chunk = proc.stdout.read(2 * per_chunk)
            if len(chunk) < 2:
                break
            levels.append(round(rms_db(np.frombuffer(chunk[:len(chunk) // 2 * 2], np.int16)), 2))
            if on_progress is not None and duration_s > 0 and len(levels) % 60 == 0:
                on_progress(min(1.0, len(levels) * chunk_s / duration_s))
            if len(chunk) < 2 * per_chunk:
                break
        proc.wait()
        drain.join(timeout=10)
    if proc.returncode != 0:
        text = b"".join(errors).decode(errors="replace")
        if "does not contain any stream" in text or "matches no streams" in text:
            return []
        tail = text.strip().splitlines()[-5:]
        raise RenderError(f"reading the sound of {video.name} failed: " + " ".join(tail))
    return levels
