"""A fleet on one machine for the CI test: 2 `reelforge serve`, `reelforge worker`s, the
provider fakes, PostgreSQL (a schema of its own), Redis (a queue name of its own) and a moto S3
server on loopback. The harness is bench/fleet.py's, so the test and the benchmark measure the
same thing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_harness import Fleet, FleetOptions


@pytest.fixture
def fleet(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[Fleet]:
    """Short leases and sweeps so a killed worker's jobs move on within seconds (the lease
    stays long enough that a live worker on a loaded machine never loses one)."""
    options = FleetOptions(database_url=postgres_url, redis_url=redis_url, root=tmp_path,
                           servers=2, threads=3, task_delay_s=2.0, lease_s=10.0,
                           heartbeat_s=1.0, sweep_s=1.0)
    with Fleet(options) as running:
        yield running
