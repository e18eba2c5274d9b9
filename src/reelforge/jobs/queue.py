"""The Huey queue: Huey on SQLite in ``data_dir`` by default, Huey on Redis at scale.

A message carries only a job id; the job row says what to do and whether it still needs doing
(see ``store.jobs.claim``). Tasks are registered on a Huey built from the settings, so the API
(which enqueues) and ``reelforge worker`` (which consumes) share one definition.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from reelforge.errors import InputError
from reelforge.settings import Settings

TASK_NAME = "reelforge.run_job"


@dataclass
class JobQueue:
    """A Huey instance with the one task reelforge uses: "run job <id>"."""

    huey: Huey
    url: str
    run_task: Any  # huey TaskWrapper

    def enqueue(self, job_id: str, *, delay_s: float = 0.0) -> None:
        """Send the job's message (after its row is committed; see DESIGN "Delivery")."""
        if delay_s > 0:
            self.run_task.schedule(args=(job_id,), delay=delay_s)
        else:
            self.run_task(job_id)

    def depth(self) -> int:
        """Messages waiting (pending plus scheduled retries)."""
        return int(self.huey.pending_count()) + int(self.huey.scheduled_count())

    def reachable(self) -> None:
        """Raise if the queue's storage cannot be read (for /readyz)."""
        self.huey.pending_count()

    def drain(self, limit: int = 100) -> int:
        """Run waiting messages in this thread (tests and ``reelforge worker --drain``)."""
        done = 0
        while done < limit:
            task = self.huey.dequeue()
            if task is None:
                break
            if not self.huey.ready_to_run(task):  # a delayed retry: due later, as a consumer does
                self.huey.add_schedule(task)
                continue
            self.huey.execute(task)
            done += 1
        return done


#: How long a worker's blocking read waits for a message; the socket timeout must exceed it.
HUEY_BLOCKING_READ_S = 1


def redis_timeouts(settings: Settings) -> dict[str, float]:
    """Socket timeouts for every Redis client reelforge builds (queue, rate limits): without
    them a Redis that accepts connections but never answers hangs every request."""
    return {"socket_connect_timeout": settings.redis_connect_timeout_s,
            "socket_timeout": max(settings.redis_timeout_s, HUEY_BLOCKING_READ_S + 1.0)}


def queue_url(settings: Settings) -> str:
    return settings.queue_url or f"sqlite:///{settings.data_dir / 'queue.db'}"


def make_queue(settings: Settings, run_job: Callable[[str], None], *,
               immediate: bool = False) -> JobQueue:
    """Build the Huey named by the settings and register ``run_job`` as its task."""
    url = queue_url(settings)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(url, **redis_timeouts(settings))
        huey: Huey = RedisHuey(settings.queue_name, connection_pool=pool, results=False,
                               immediate=immediate, immediate_use_memory=False,
                               read_timeout=HUEY_BLOCKING_READ_S)
    elif url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        huey = SqliteHuey(settings.queue_name, filename=path, results=False, immediate=immediate,
                          immediate_use_memory=False, timeout=30)
    else:
        raise InputError(f"unsupported queue URL {url.split('://')[0]}://…",
                         hint="set REELFORGE_QUEUE_URL to redis://host:6379/0, or unset it to "
                              "use Huey on SQLite")
    task = huey.task(name=TASK_NAME)(run_job)
    return JobQueue(huey=huey, url=url, run_task=task)


def worker_name() -> str:
    """A lease owner id unique to this process on this machine."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
