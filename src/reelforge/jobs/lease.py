"""The heartbeat that keeps a running job's lease, and notices a cancel or a lost lease.

``cancel()`` (handed to the pipeline) reads two flags this thread keeps up to date, so the
pipeline never waits on the database. When a cancel arrives during a render, the FFmpeg
processes working on this job are killed, so cancel does not wait for the render to end.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import structlog

from reelforge.store import jobs as job_rows
from reelforge.store.db import Database

log = structlog.get_logger("reelforge.jobs")


class Lease:
    """Renews ``job_id``'s lease every ``heartbeat_s`` until stopped."""

    def __init__(self, db: Database, job_id: str, owner: str, *, lease_s: float,
                 heartbeat_s: float, job_dir: Path | None = None) -> None:
        self.db, self.job_id, self.owner = db, job_id, owner
        self.lease_s, self.heartbeat_s, self.job_dir = lease_s, heartbeat_s, job_dir
        self.cancel_requested = False
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job_id[:8]}",
                                        daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.heartbeat_s + 5)

    def should_stop(self) -> bool:
        return self.cancel_requested or self.lost

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                with self.db.session() as session:
                    ours, canceled = job_rows.renew(session, self.job_id, self.owner,
                                                    self.lease_s)
            except Exception as exc:
                log.warning("lease renewal failed", job_id=self.job_id, error=str(exc))
                continue
            if not ours and not self.lost:
                self.lost = True
                log.warning("lease lost", job_id=self.job_id)
            if canceled and not self.cancel_requested:
                self.cancel_requested = True
                killed = kill_renders_of(self.job_dir) if self.job_dir else 0
                log.info("cancel requested", job_id=self.job_id, renders_killed=killed)


def kill_renders_of(job_dir: Path) -> int:
    """Kill this process's child processes (FFmpeg) whose command line names ``job_dir``.

    Linux only (reads /proc); elsewhere the job stops at the next step boundary instead.
    """
    needle = str(job_dir).encode()
    me = str(os.getpid())
    killed = 0
    proc = Path("/proc")
    if not proc.is_dir():
        return 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = stat.rsplit(")", 1)[1].split()[1]
            if parent != me:
                continue
            if needle in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (OSError, IndexError):
            continue
    return killed
