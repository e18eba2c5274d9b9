"""Load test of the platform: many concurrent clients submit and poll jobs against
`reelforge serve`, with Huey on Redis, `reelforge worker` processes, and every remote engine
pointed at the fakes. Prints p50/p99 latency per route, jobs/s, and lost/duplicated jobs.

    .venv/bin/python bench/api_load.py --redis redis://127.0.0.1:6379/14 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test --clients 100

Briefs cycle through ``--distinct`` prompts: the first job of each renders for real, the rest
are step-cache hits (what a re-run costs), so the run measures the platform, not FFmpeg.
Clients start evenly over ``--ramp`` seconds (5 by default, as load tools ramp up); ``--ramp 0``
starts all of them at once, a thundering herd whose last submit waits for the 99 before it.
Target: submit p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from bench_support import free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

KEY = "sk-bench-0123456789abcdef"


async def client_loop(http: httpx.AsyncClient, key: str, index: int, jobs: int, distinct: int,
                      latencies: dict[str, list[float]], submitted: list[str],
                      outcomes: dict[str, str], timeout_s: float, poll_s: float = 1.0,
                      start_after_s: float = 0.0) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    await asyncio.sleep(start_after_s)
    for n in range(jobs):
        prompt = f"Why octopuses are smart, part {(index * jobs + n) % distinct + 1}"
        brief = {"prompt": prompt, "duration_s": 5, "aspect": "1:1",
                 "voice": "hume:Ava Song", "emotion": "curious"}
        started = time.perf_counter()
        answer = await http.post("/v1/jobs", json=brief, headers=headers)
        latencies["POST /v1/jobs"].append(time.perf_counter() - started)
        if answer.status_code != 202:
            outcomes[f"refused-{index}-{n}"] = f"HTTP {answer.status_code}"
            continue
        job_id = answer.json()["id"]
        submitted.append(job_id)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            await asyncio.sleep(poll_s)
            started = time.perf_counter()
            polled = await http.get(f"/v1/jobs/{job_id}", headers=headers)
            latencies["GET /v1/jobs/{id}"].append(time.perf_counter() - started)
            state = polled.json().get("state")
            if state in ("succeeded", "failed", "canceled"):
                outcomes[job_id] = state
                break
        else:
            outcomes[job_id] = "lost"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--jobs-per-client", type=int, default=2)
    parser.add_argument("--distinct", type=int, default=2, help="distinct briefs (real renders)")
    parser.add_argument("--redis", default=os.environ.get("REELFORGE_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/14"))
    parser.add_argument("--database", default=os.environ.get("REELFORGE_TEST_POSTGRES_URL"),
                        help="SQLAlchemy URL (default: SQLite in a temp folder)")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="`reelforge worker` processes")
    parser.add_argument("--threads", type=int, default=4, help="jobs per worker at once")
    parser.add_argument("--no-warm", dest="warm", action="store_false",
                        help="skip rendering each distinct brief once before measuring")
    parser.add_argument("--worker-nice", type=int, default=10, help="nice level of workers")
    parser.add_argument("--worker-cpus", default=str(max(0, (os.cpu_count() or 1) - 1)),
                        help="CPUs the job workers may use (taskset -c); default the last one, "
                             "so the API keeps a core as it would on its own machines; '' = any")
    parser.add_argument("--baseline", type=int, default=50,
                        help="sequential submits and reads measured before the load")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls")
    parser.add_argument("--ramp", type=float, default=5.0,
                        help="seconds over which the clients start, evenly (0: all at once, "
                             "a thundering herd rather than 100 concurrent clients)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per job, seconds")
    args = parser.parse_args()

    from reelforge.fakes.common import FakeConfig
    from reelforge.fakes.server import start_fakes
    from reelforge.settings import Settings

    data = Path(tempfile.mkdtemp(prefix="rf-bench-"))
    fakes = start_fakes(Settings(_env_file=None, data_dir=data / "fakes"),
                        config=FakeConfig(api_key=KEY, task_delay_s=0.2))
    schema = None
    database = args.database
    if database:
        import sqlalchemy as sa

        schema = f"rf_bench_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(database).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        database = f"{database}{'&' if '?' in database else '?'}options=-csearch_path%3D{schema}"
    port = free_port()
    queue_name = f"rf-bench-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, **fakes.env(), "REELFORGE_DATA_DIR": str(data / "data"),
           "REELFORGE_QUEUE_URL": args.redis, "REELFORGE_QUEUE_NAME": queue_name,
           "REELFORGE_RATE_PER_MINUTE": "1000000", "REELFORGE_RATE_BURST": "100000",
           "REELFORGE_QUOTA_JOBS_PER_DAY": "1000000", "REELFORGE_BUDGET_USD_PER_DAY": "1000000",
           "REELFORGE_LOG_LEVEL": "WARNING",
           "REELFORGE_SCRIPT_ENGINE": "openai", "REELFORGE_VIDEO_ENGINE": "runware",
           "REELFORGE_MUSIC_ENGINE": "builtin", "REELFORGE_FPS": "12",
           "REELFORGE_X264_PRESET": "ultrafast", "REELFORGE_RUNWARE_RESOLUTION": "256",
           "REELFORGE_RUNWARE_POLL_INITIAL_S": "0.05", "REELFORGE_RUNWARE_POLL_MAX_S": "0.2",
           "OPENAI_API_KEY": KEY, "HUME_API_KEY": KEY, "RUNWARE_API_KEY": KEY,
           "REELFORGE_SERVE_PORT": str(port)}
    if database:
        env["REELFORGE_DATABASE_URL"] = database
    cli = [sys.executable, "-m", "reelforge.cli.main"]
    key = subprocess.run([*cli, "keys", "create", "--tenant", "bench", "--role", "editor"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    processes = [subprocess.Popen([*cli, "serve", "--workers", str(args.server_workers)],
                                  env=env, start_new_session=True)]
    # Workers run niced: in a fleet they sit on other machines, and on one shared box the
    # API's latency, not the renders, is what this bench measures.
    pin = ["taskset", "-c", args.worker_cpus] if args.worker_cpus else []
    processes += [subprocess.Popen(
        [*pin, "nice", "-n", str(args.worker_nice), *cli, "worker", "--threads", str(args.threads)],
        env=env, start_new_session=True, stderr=subprocess.DEVNULL) for _ in range(args.workers)]
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        latencies: dict[str, list[float]] = defaultdict(list)
        submitted: list[str] = []
        outcomes: dict[str, str] = {}

        async def run() -> float:
            limits = httpx.Limits(max_connections=args.clients + 10)
            async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
                started = time.perf_counter()
                await asyncio.gather(*(client_loop(http, key, i, args.jobs_per_client,
                                                   args.distinct, latencies, submitted,
                                                   outcomes, args.timeout, args.poll,
                                                   i * args.ramp / args.clients)
                                       for i in range(args.clients)))
                return time.perf_counter() - started

        if args.warm:  # render each distinct brief once, so the measured jobs are cache hits
            warm_latencies: dict[str, list[float]] = defaultdict(list)
            warm: list[str] = []

            async def warm_up() -> None:
                async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                    await asyncio.gather(*(client_loop(http, key, i, 1, args.distinct,
                                                       warm_latencies, warm, {}, args.timeout)
                                           for i in range(args.distinct)))

            asyncio.run(warm_up())
        baseline = asyncio.run(sequential(base, key, args.baseline))
        wall = asyncio.run(run())
        server_side = httpx.get(f"{base}/metrics", timeout=30).text
        print("\none client, one request at a time (the API's own cost on this machine):")
        print_latencies(baseline)
        report(args, latencies, submitted, outcomes, wall, env, fakes)
        print("\ntime inside the server (its own histogram; one uvicorn process of "
              f"{args.server_workers}, bucket-interpolated):")
        for route, (count, p50, p99) in sorted(histogram_percentiles(server_side).items()):
            print(f"{route:<22}{count:>10}{p50:>10.1f}{p99:>10.1f}")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        fakes.stop()
        if schema:
            import sqlalchemy as sa

            from reelforge.store.db import forget_databases

            forget_databases()
            with sa.create_engine(args.database).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        import redis

        client = redis.Redis.from_url(args.redis)
        for name in client.scan_iter(match=f"*{queue_name}*"):
            client.delete(name)


async def sequential(base: str, key: str, count: int) -> dict[str, list[float]]:
    """``count`` submits then ``count`` reads, one at a time (cache-hit briefs)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        ids = []
        for n in range(count):
            brief = {"prompt": f"Why octopuses are smart, part {n % 2 + 1}", "duration_s": 5,
                     "aspect": "1:1", "voice": "hume:Ava Song", "emotion": "curious"}
            started = time.perf_counter()
            answer = await http.post("/v1/jobs", json=brief, headers=headers)
            latencies["POST /v1/jobs"].append(time.perf_counter() - started)
            ids.append(answer.json()["id"])
        for job_id in ids:
            started = time.perf_counter()
            await http.get(f"/v1/jobs/{job_id}", headers=headers)
            latencies["GET /v1/jobs/{id}"].append(time.perf_counter() - started)
    return latencies


def histogram_percentiles(text: str) -> dict[str, tuple[int, float, float]]:
    """p50/p99 in ms per job route from reelforge_http_request_seconds buckets."""
    import re

    buckets: dict[str, list[tuple[float, float]]] = defaultdict(list)
    pattern = re.compile(r'^reelforge_http_request_seconds_bucket\{le="([^"]+)",method="(\w+)",'
                         r'route="(/v1/jobs(?:/\{job_id\})?)",status="2\d\d"\} ([0-9.e+]+)$')
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            le, method, route, count = match.groups()
            buckets[f"{method} {route}"].append((float(le), float(count)))
    out: dict[str, tuple[int, float, float]] = {}
    for route, points in buckets.items():
        merged: dict[float, float] = defaultdict(float)
        for le, count in points:
            merged[le] += count
        ordered = sorted(merged.items())
        total = ordered[-1][1]

        def quantile(q: float, ordered: list[tuple[float, float]] = ordered,
                     total: float = total) -> float:
            previous_le, previous_count = 0.0, 0.0
            for le, count in ordered:
                if count >= q * total:
                    if le == float("inf"):
                        return previous_le * 1000
                    share = (q * total - previous_count) / max(count - previous_count, 1e-9)
                    return (previous_le + share * (le - previous_le)) * 1000
                previous_le, previous_count = le, count
            return float("nan")

        if total:
            out[route] = (int(total), quantile(0.5), quantile(0.99))
    return out


def print_latencies(latencies: dict[str, list[float]]) -> None:
    print(f"{'route':<22}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for route, values in sorted(latencies.items()):
        ms = [v * 1000 for v in values]
        print(f"{route:<22}{len(ms):>10}{percentile(ms, 50):>10.1f}{percentile(ms, 99):>10.1f}"
              f"{max(ms):>10.1f}")


def report(args: argparse.Namespace, latencies: dict[str, list[float]], submitted: list[str],
           outcomes: dict[str, str], wall: float, env: dict[str, str], fakes: object) -> None:
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.jobs import Job, JobEvent

    settings = Settings(_env_file=None, data_dir=Path(env["REELFORGE_DATA_DIR"]),
                        database_url=env.get("REELFORGE_DATABASE_URL"))
    db = open_database(settings)
    with db.session() as session:
        rows = session.query(Job).filter(Job.id.in_(submitted)).all() if submitted else []
        runs: dict[str, int] = defaultdict(int)
        for event in session.query(JobEvent).filter(JobEvent.kind == "state"):
            if event.data.get("state") == "running":
                runs[event.job_id] += 1
    succeeded = sum(1 for state in outcomes.values() if state == "succeeded")
    lost = len(submitted) - len(rows) + sum(1 for s in outcomes.values() if s == "lost")
    duplicated = sum(1 for job_id in submitted if runs.get(job_id, 0) > 1)
    print(f"\nclients={args.clients} jobs/client={args.jobs_per_client} distinct={args.distinct} "
          f"server workers={args.server_workers} job workers={args.workers}x{args.threads} "
          f"poll every {args.poll:g} s, clients started over {args.ramp:g} s, "
          f"job workers on CPUs {args.worker_cpus or 'any'}")
    print_latencies(latencies)
    print(f"jobs submitted {len(submitted)}, succeeded {succeeded}, wall {wall:.1f} s, "
          f"{succeeded / wall:.2f} jobs/s")
    print(f"lost jobs {lost}, duplicated (run twice) {duplicated}, other outcomes "
          f"{json.dumps({k: v for k, v in outcomes.items() if v not in ('succeeded',)})}")
    paid = {name: dict(fake.state.paid) for name, fake in fakes.fakes.items()}  # type: ignore[attr-defined]
    print(f"paid calls at the fakes: {json.dumps(paid)}")


if __name__ == "__main__":
    main()
