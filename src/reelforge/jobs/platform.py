"""One process's handles on the platform: settings, database, queue, artifact store.

``open_platform`` is called once by ``reelforge serve``, ``reelforge worker`` and the CLI
commands that touch jobs; they all share one ``Settings`` object and so one configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reelforge.jobs.queue import JobQueue, make_queue, worker_name
from reelforge.settings import Settings
from reelforge.store.artifacts import ArtifactStore, open_artifact_store
from reelforge.store.db import Database, open_database


@dataclass
class Platform:
    settings: Settings
    db: Database
    artifacts: ArtifactStore
    queue: JobQueue = field(init=False)
    owner: str = field(default_factory=worker_name)


def open_platform(settings: Settings, *, immediate: bool = False) -> Platform:
    """Open (and migrate) the database, the artifact store and the queue the settings name."""
    from reelforge.jobs.worker import execute_job

    platform = Platform(settings=settings, db=open_database(settings),
                        artifacts=open_artifact_store(settings))

    def run_job(job_id: str) -> None:
        execute_job(platform, job_id)

    platform.queue = make_queue(settings, run_job, immediate=immediate)
    return platform
