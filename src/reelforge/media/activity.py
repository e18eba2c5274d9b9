"""Visual activity of a whole (long) video in constant memory: how much the picture changes
each second, and where it changes at once (shot changes, to a fraction of a second).

FFmpeg decodes and shrinks (``fps`` before ``scale``, so only the kept frames are scaled) and
hands over 48×27 grey thumbnails through a pipe; each is compared with the one before and
dropped. The shot detector (``media/shots``) is exact to the frame but keeps every tiny frame
of the file (memory grows with its length: ~1.7 GB for 10 minutes of 1080p measured with the
detector chain), so an hour-long talk uses this pass; exact cuts inside a clip come from the
clip's own scan (``media/reframe.scan_stretch``).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelforge.errors import RenderError

THUMB_W, THUMB_H = 48, 27
#: A change of the thumbnail above this (mean, 0-255) and several times the recent typical one
#: is a shot change.
CUT_LEVEL = 24.0


def sudden_change(change: float, before: list[float]) -> bool:
    """Is ``change`` (mean thumbnail change from the frame before) a shot change, given the
    changes ``before`` it? The one rule of both scans (here and ``reframe.scan_stretch``)."""
    typical = float(np.median(before[-15:])) if before else 0.0
    return change > CUT_LEVEL and change > 4 * typical + 2


@dataclass(frozen=True)
class Activity:
    per_second: list[float]  # mean thumbnail change per second of video
    cuts_s: list[float]  # times of sudden changes (shot changes), ±1/rate s


def scan_activity(video: Path, ffmpeg: Path, rate: float = 5.0, duration_s: float = 0.0,
                  on_progress: Callable[[float], None] | None = None) -> Activity:
    """Per-second change and shot changes of ``video``, sampled ``rate`` times a second."""
    size = THUMB_W * THUMB_H
    cmd = [str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(video),
           "-an", "-sn", "-vf", f"fps={rate:g},scale={THUMB_W}:{THUMB_H}:flags=area,format=gray",
           "-f", "rawvideo", "pipe:1"]
    changes: list[float] = []
    cuts: list[float] = []
    previous: np.ndarray | None = None
    errors: list[bytes] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:  # noqa: S603
        assert proc.stdout is not None and proc.stderr is not None
        stderr = proc.stderr
        drain = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
        drain.start()
        k = 0
        while True:
            chunk = proc.stdout.read(size)
            if len(chunk) < size:
                break
            grey = np.frombuffer(chunk, np.uint8).astype(np.int16)
            if previous is not None:
                change = float(np.abs(grey - previous).mean())
                if sudden_change(change, changes):
                    cuts.append(round(k / rate, 3))
                changes.append(change)
            previous = grey
            k += 1
            if on_progress is not None and duration_s > 0 and k % 50 == 0:
                on_progress(min(1.0, k / rate / duration_s))
        proc.wait()
        drain.join(timeout=10)
    if proc.returncode != 0:
        tail = b"".join(errors).decode(errors="replace").strip().splitlines()[-5:]
        raise RenderError(f"reading the pictures of {video.name} failed: " + " ".join(tail))
    per = max(1, round(rate))
    values = np.asarray([0.0, *changes])
    seconds = [float(values[i:i + per].mean()) for i in range(0, values.size, per)]
    return Activity(per_second=seconds, cuts_s=cuts)
