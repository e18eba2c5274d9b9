"""A reelforge fleet on one machine: `reelforge serve` ×2 and `reelforge worker` ×1/2/4 on
PostgreSQL, Redis and a moto S3 server, every remote engine at the provider fakes (Runware taking
seconds per clip). Submits jobs over HTTP, SIGKILLs one worker partway through, and reports
jobs/minute, p99 job latency, lost and duplicated jobs and repeated paid calls, counted twice:
at the fakes (what was billed) and in the spend ledger (one job step's same request billed more
than once).

    .venv/bin/python bench/fleet.py --jobs 200 --workers 1 2 4 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/13

Each process gets its own data folder, as a machine or pod would; they share only PostgreSQL,
Redis, S3 and the step-cache folder (the volume docs/scaling.md asks a fleet to share). The kill
is a real SIGKILL of the worker's process group at a random instant (blind, as a crash or an OOM
kill would come), so it may land inside a synchronous paid call (script, narration), which no
client can make idempotent: such a call may be repeated, once per call in flight (docs/scaling.md).
Runware tasks are resumed by their taskUUID and must never repeat. ``--quiet-kill`` waits for a
moment outside those calls instead (SIGSTOP, look, SIGKILL). tests/fleet runs the small version
of this in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench_support import free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-fleet-0123456789abcdef"
#: step kind → (fake service, paid operation) it pays for
PAID = {"plan": ("openai", "chat"), "narrate": ("hume", "tts"),
        "visualize": ("runware", "videoInference")}
SYNC_PAID_STEPS = ("plan", "narrate")  # calls that cannot be resumed, only repeated
#: spend-ledger operation → the fakes' name of it
LEDGER_OPERATIONS = {"chat.completions": "chat", "tts": "tts", "videoInference": "videoInference"}


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM,
                 timeout: float = 20.0) -> None:
    """Signal the process group; SIGKILL it if it has not ended within ``timeout``."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class FleetOptions:
    database_url: str
    redis_url: str
    root: Path
    servers: int = 2
    threads: int = 4  # jobs one worker runs at once (they mostly wait on remote calls)
    task_delay_s: float = 3.0  # how long the Runware fake takes to generate a clip
    lease_s: float = 8.0
    heartbeat_s: float = 1.0
    sweep_s: float = 1.0


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class RoundReport:
    workers: int
    jobs: int
    succeeded: int
    lost: int
    duplicated: int
    repeated_paid: dict[str, int]  # at the fakes: billed beyond one per distinct paid step
    paid: dict[str, int]
    wall_s: float
    latencies_s: list[float]  # submitted → succeeded (with every job submitted at once: queueing)
    run_s: list[float] = field(default_factory=list)  # first claimed → succeeded
    killed: str = ""
    killed_jobs: int = 0
    resumed: int = 0  # jobs of the killed worker that another worker finished
    resumed_cache_hits: int = 0  # steps those resumed runs took from the step cache
    kill_in_paid_call: bool = False
    in_paid_call_at_kill: int = 0  # the killed worker's jobs inside a script/narration call
    ledger_repeated: dict[str, int] = field(default_factory=dict)  # same fingerprint, billed >1
    ledger_unsettled: int = 0  # calls left "sent" (may have been billed)
    canceled_at_timeout: int = 0  # unfinished when the round's time ran out
    problems: list[str] = field(default_factory=list)

    @property
    def jobs_per_minute(self) -> float:
        return 60.0 * self.succeeded / self.wall_s if self.wall_s else 0.0


class Fleet:
    """Starts the shared services once; workers come and go per round. A context manager."""

    def __init__(self, options: FleetOptions) -> None:
        self.options = options
        self.root = options.root
        self.schema = f"rf_fleet_{uuid.uuid4().hex[:8]}"
        self.queue_name = f"rf-fleet-{uuid.uuid4().hex[:8]}"
        self.bucket = f"rf-fleet-{uuid.uuid4().hex[:8]}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: list[Worker] = []
        self.api_urls: list[str] = []
        self.fake_urls: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.key = ""
        self._moto: Any = None
        self._db: Any = None
        self._count = 0
        self.last_run_s: list[float] = []

    # --- start and stop ----------------------------------------------------------------------

    def __enter__(self) -> Fleet:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        import sqlalchemy as sa

        options = self.options
        (self.root / "shared-cache").mkdir(parents=True, exist_ok=True)
        with sa.create_engine(options.database_url).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        sep = "&" if "?" in options.database_url else "?"
        database = f"{options.database_url}{sep}options=-csearch_path%3D{self.schema}"
        s3 = self._start_moto()
        self._start_fakes()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("REELFORGE_", "AWS_"))},
            "REELFORGE_DATABASE_URL": database, "REELFORGE_QUEUE_URL": options.redis_url,
            "REELFORGE_QUEUE_NAME": self.queue_name,
            "REELFORGE_ARTIFACT_URL": f"s3://{self.bucket}/artifacts",
            "AWS_ACCESS_KEY_ID": "fleet", "AWS_SECRET_ACCESS_KEY": "fleet",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": s3,
            "OPENAI_BASE_URL": f"{self.fake_urls['openai']}/v1",
            "REELFORGE_HUME_BASE_URL": self.fake_urls["hume"],
            "REELFORGE_RUNWARE_BASE_URL": f"{self.fake_urls['runware']}/v1",
            "OPENAI_API_KEY": KEY, "HUME_API_KEY": KEY, "RUNWARE_API_KEY": KEY,
            "REELFORGE_SCRIPT_ENGINE": "openai", "REELFORGE_VIDEO_ENGINE": "runware",
            "REELFORGE_MUSIC_ENGINE": "builtin", "REELFORGE_FPS": "12",
            "REELFORGE_X264_PRESET": "ultrafast", "REELFORGE_RUNWARE_RESOLUTION": "256",
            "REELFORGE_RUNWARE_FPS": "12", "REELFORGE_RUNWARE_POLL_INITIAL_S": "0.25",
            "REELFORGE_RUNWARE_POLL_MAX_S": "1.0",
            "REELFORGE_JOB_LEASE_S": str(options.lease_s),
            "REELFORGE_JOB_HEARTBEAT_S": str(options.heartbeat_s),
            "REELFORGE_JOB_SWEEP_INTERVAL_S": str(options.sweep_s),
            "REELFORGE_RATE_PER_MINUTE": "1000000", "REELFORGE_RATE_BURST": "100000",
            "REELFORGE_QUOTA_JOBS_PER_DAY": "1000000", "REELFORGE_BUDGET_USD_PER_DAY": "1000000",
            "REELFORGE_LOG_LEVEL": "WARNING", "REELFORGE_LOG_FORMAT": "json",
        }
        made = subprocess.run(
            [*self._cli(), "keys", "create", "--tenant", "fleet", "--role", "editor"],
            env=self._node_env("admin"), capture_output=True, text=True, timeout=180)
        if made.returncode != 0:
            raise RuntimeError(f"keys create failed: {made.stderr[-2000:]}")
        self.key = made.stdout.strip().splitlines()[-1]
        for n in range(options.servers):
            port = free_port()
            env = {**self._node_env(f"api-{n + 1}"), "REELFORGE_SERVE_PORT": str(port)}
            log = self.root / f"api-{n + 1}.log"
            self.processes.append(subprocess.Popen(
                [*self._cli(), "serve"], env=env, stdout=log.open("ab"),
                stderr=subprocess.STDOUT, start_new_session=True))
            self.api_urls.append(f"http://127.0.0.1:{port}")
        self._wait_ready()

    def _start_moto(self) -> str:
        import logging

        from moto.server import ThreadedMotoServer

        # INFO is one line per S3 request; ERROR shows moto's own race (listing a bucket while
        # another thread deletes a key raises KeyError inside moto, the client gets a 500 and
        # s3fs retries it). Neither is reelforge's; real S3 lists consistently.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        httpx.put(f"{endpoint}/{self.bucket}", timeout=30).raise_for_status()  # create bucket
        return endpoint

    def _start_fakes(self) -> None:
        """`reelforge fakes serve` in its own process, as a demo or the compose profile runs it."""
        log = self.root / "fakes.log"
        process = subprocess.Popen(
            [*self._cli(), "fakes", "serve", "--base-port", "0", "--json", "--api-key", KEY,
             "--task-delay", str(self.options.task_delay_s)],
            env={**self._node_env("fakes"), "REELFORGE_LOG_LEVEL": "WARNING"},
            stdout=subprocess.PIPE, stderr=log.open("ab"), start_new_session=True)
        self.processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fakes did not start: {log.read_text()[-2000:]}")
        self.fake_urls = json.loads(line)["urls"]

    def _wait_ready(self, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        for url in self.api_urls:
            last = ""
            while True:
                try:
                    answer = httpx.get(f"{url}/readyz", timeout=5)
                    if answer.status_code == 200:
                        break
                    last = answer.text
                except httpx.HTTPError as exc:
                    last = str(exc)
                dead = [p for p in self.processes if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    logs = "\n".join(p.read_text()[-1500:] for p in self.root.glob("api-*.log"))
                    raise RuntimeError(f"the API servers did not become ready ({last}):\n{logs}")
                time.sleep(0.3)

    def close(self) -> None:
        for worker in self.workers:
            stop_process(worker.process, signal.SIGKILL)
        for process in self.processes:
            stop_process(process)
        if self._moto is not None:
            self._moto.stop()
        if self._db is not None:
            self._db.engine.dispose()
        try:
            import sqlalchemy as sa

            from reelforge.store.db import forget_databases

            forget_databases()
            engine = sa.create_engine(self.options.database_url)
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            engine.dispose()
        except Exception as exc:  # cleanup must go on
            print(f"could not drop schema {self.schema}: {exc}", file=sys.stderr)
        try:
            import redis

            client = redis.Redis.from_url(self.options.redis_url)
            for name in client.scan_iter(match=f"*{self.queue_name}*"):
                client.delete(name)
        except Exception as exc:
            print(f"could not clear the queue {self.queue_name}: {exc}", file=sys.stderr)

    # --- nodes -------------------------------------------------------------------------------

    @staticmethod
    def _cli() -> list[str]:
        return [sys.executable, "-m", "reelforge.cli.main"]

    def _node_env(self, name: str) -> dict[str, str]:
        """Each node has its own data folder; its step cache is the shared folder (a volume)."""
        data = self.root / "nodes" / name
        data.mkdir(parents=True, exist_ok=True)
        cache = data / "cache"
        if not cache.exists():
            cache.symlink_to(self.root / "shared-cache", target_is_directory=True)
        return {**self.env, "REELFORGE_DATA_DIR": str(data)}

    def start_worker(self) -> Worker:
        self._count += 1
        name = f"worker-{self._count}"
        log = self.root / f"{name}.log"
        process = subprocess.Popen(
            [*self._cli(), "worker", "--threads", str(self.options.threads)],
            env=self._node_env(name), stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        worker = Worker(name, process, log)
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            stop_process(worker.process)
        self.workers = []

    # --- the database, the fakes -------------------------------------------------------------

    @property
    def db(self) -> Any:
        if self._db is None:
            from reelforge.settings import Settings
            from reelforge.store.db import open_database

            self._db = open_database(Settings(
                _env_file=None, data_dir=self.root / "nodes" / "bench",
                database_url=self.env["REELFORGE_DATABASE_URL"]))
        return self._db

    def artifacts(self) -> Any:
        """The fleet's artifact store, as its nodes see it (credentials passed, not exported)."""
        import s3fs

        from reelforge.store.artifacts import ArtifactStore

        fs = s3fs.S3FileSystem(key=self.env["AWS_ACCESS_KEY_ID"],
                               secret=self.env["AWS_SECRET_ACCESS_KEY"],
                               endpoint_url=self.env["AWS_ENDPOINT_URL"], skip_instance_cache=True)
        return ArtifactStore(fs=fs, root=f"{self.bucket}/artifacts")

    def fake_paid(self) -> dict[str, int]:
        paid: dict[str, int] = {}
        for service, operation in PAID.values():
            stats = httpx.get(f"{self.fake_urls[service]}/_fake/stats", timeout=30).json()
            paid[operation] = int(stats["paid"].get(operation, 0))
        return paid

    def reset_fakes(self) -> None:
        for url in self.fake_urls.values():
            httpx.post(f"{url}/_fake/reset", timeout=30).raise_for_status()

    # --- jobs --------------------------------------------------------------------------------

    def submit(self, briefs: list[dict[str, Any]]) -> list[str]:
        """POST every brief, alternating between the API servers; returns the job ids."""
        ids = []
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(timeout=60) as http:
            for n, brief in enumerate(briefs):
                url = self.api_urls[n % len(self.api_urls)]
                answer = http.post(f"{url}/v1/jobs", json=brief, headers=headers)
                if answer.status_code != 202:
                    raise RuntimeError(f"submit refused: {answer.status_code} {answer.text}")
                ids.append(answer.json()["id"])
        return ids

    def cancel_unfinished(self, job_ids: list[str], wait_s: float = 180.0) -> int:
        """Cancel the jobs not finished yet and wait until none runs, so a round cut off by its
        timeout does not go on paying (and counting) inside the next round. Returns how many."""
        unfinished = [j for j, s in self.states(job_ids).items()
                      if s not in ("succeeded", "failed", "canceled")]
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(timeout=60) as http:
            for job_id in unfinished:
                http.delete(f"{self.api_urls[0]}/v1/jobs/{job_id}", headers=headers)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(
                s == "running" for s in self.states(unfinished).values()):
            time.sleep(1)
        return len(unfinished)

    def states(self, job_ids: list[str]) -> dict[str, str]:
        from reelforge.store.jobs import Job

        with self.db.session() as session:
            return dict(session.query(Job.id, Job.state).filter(Job.id.in_(job_ids)).all())

    def running_jobs_of(self, worker: Worker) -> list[str]:
        from reelforge.store.jobs import Job

        with self.db.session() as session:
            return [j for (j,) in session.query(Job.id).filter(
                Job.state == "running", Job.lease_owner.like(f"%:{worker.process.pid}:%"))]

    def in_sync_paid_call(self, job_ids: list[str]) -> list[str]:
        """Jobs whose current attempt started a script or narration step and has not stored it.

        A step's "started" event is written before its call and "done" after its result is in
        the step cache, so with the worker stopped this is exactly "a paid call in flight".
        """
        from reelforge.store.jobs import JobEvent

        busy = []
        with self.db.session() as session:
            for job_id in job_ids:
                events = session.query(JobEvent).filter(JobEvent.job_id == job_id).order_by(
                    JobEvent.id).all()
                open_steps: set[str] = set()
                for event in events:
                    if event.kind == "state" and event.data.get("state") == "running":
                        open_steps = set()  # a new attempt
                    elif event.kind == "step":
                        label = str(event.data.get("label", ""))
                        if event.data.get("state") == "started":
                            open_steps.add(label)
                        elif event.data.get("state") in ("done", "cached"):
                            open_steps.discard(label)
                if any(label.split()[0] in SYNC_PAID_STEPS for label in open_steps):
                    busy.append(job_id)
        return busy

    def kill_worker(self, worker: Worker, *, blind: bool = True,
                    tries: int = 200) -> tuple[list[str], list[str]]:
        """SIGKILL ``worker``'s process group; returns (its running jobs, those of them that
        were inside a synchronous paid call at the kill).

        ``blind`` (the default) kills at once; else SIGSTOP it, and kill only when no job of it
        is inside a synchronous paid call (else SIGCONT and look again, at most ``tries`` times).
        """
        pgid = worker.process.pid
        for attempt in range(1, tries + 1):
            os.killpg(pgid, signal.SIGSTOP)  # frozen, so what we read is what the kill hits
            jobs = self.running_jobs_of(worker)
            in_call = self.in_sync_paid_call(jobs)
            if blind or not in_call or attempt == tries:
                break
            os.killpg(pgid, signal.SIGCONT)
            time.sleep(0.05)
        os.killpg(pgid, signal.SIGKILL)
        worker.process.wait(timeout=30)
        self.workers.remove(worker)
        return jobs, in_call

    def ledger_repeats(self, job_ids: list[str]) -> tuple[dict[str, int], int]:
        """From the spend ledger: (calls billed again for a request already billed by the same
        job step, by operation; calls left unsettled). Billed means confirmed or may have been
        billed. Two jobs may ask the same (the fake script repeats sentences): not a repeat."""
        from reelforge.store.ledger import SpendCall

        with self.db.session() as session:
            rows = session.query(SpendCall.job_id, SpendCall.step, SpendCall.operation,
                                 SpendCall.fingerprint, SpendCall.state,
                                 SpendCall.may_have_billed).filter(
                SpendCall.job_id.in_(job_ids)).all()
        billed = Counter((job, step, operation, fingerprint)
                         for job, step, operation, fingerprint, state, maybe in rows
                         if state in ("confirmed", "sent") or maybe)
        repeated = {name: 0 for name in LEDGER_OPERATIONS.values()}
        for (_, _, operation, _), count in billed.items():
            name = LEDGER_OPERATIONS.get(operation, operation)
            repeated[name] = repeated.get(name, 0) + count - 1
        return repeated, sum(1 for row in rows if row.state == "sent")

    def resumed(self, killed_jobs: list[str]) -> tuple[int, int]:
        """(killed jobs that succeeded on a second attempt, cache hits of those attempts)."""
        from reelforge.store.jobs import Job

        with self.db.session() as session:
            jobs = session.query(Job).filter(Job.id.in_(killed_jobs)).all()
            done = [j for j in jobs if j.state == "succeeded" and j.attempts == 2]
            return len(done), sum(int((j.result or {}).get("cache_hits", 0)) for j in done)

    def audit(self, job_ids: list[str], killed_jobs: list[str],
              paid: dict[str, int]) -> tuple[int, int, dict[str, int], list[str], list[float]]:
        """(lost, duplicated, repeated paid calls by operation, problems, latencies in s)."""
        from reelforge.store.artifacts import Artifact
        from reelforge.store.jobs import Job, JobEvent

        problems: list[str] = []
        with self.db.session() as session:
            jobs = {j.id: j for j in session.query(Job).filter(Job.id.in_(job_ids))}
            terminal: Counter[str] = Counter()
            for event in session.query(JobEvent).filter(JobEvent.job_id.in_(job_ids),
                                                        JobEvent.kind == "state"):
                if event.data.get("state") in ("succeeded", "failed", "canceled"):
                    terminal[event.job_id] += 1
            artifacts = Counter((a.job_id, a.name) for a in session.query(Artifact).filter(
                Artifact.job_id.in_(job_ids)))
            paths = {a.job_id: a.path for a in session.query(Artifact).filter(
                Artifact.job_id.in_(job_ids), Artifact.name == "manifest.json")}
            done = [j for j in jobs.values() if j.state == "succeeded" and j.finished_at]
            latencies = [(j.finished_at - j.created_at).total_seconds() for j in done]
            self.last_run_s = [(j.finished_at - j.started_at).total_seconds() for j in done
                               if j.started_at]
            lost = 0
            for job_id in job_ids:
                job = jobs.get(job_id)
                if job is None or job.state != "succeeded":
                    lost += 1
                    problems.append(f"{job_id}: {job.state if job else 'missing'} "
                                    f"{job.error if job else ''}")
            duplicated = set()
            for job_id in job_ids:
                job = jobs.get(job_id)
                if terminal[job_id] > 1:
                    duplicated.add(job_id)
                    problems.append(f"{job_id}: finished {terminal[job_id]} times")
                if job is not None and job.attempts > 1 and job_id not in killed_jobs:
                    duplicated.add(job_id)
                    problems.append(f"{job_id}: ran {job.attempts} times, its worker lived")
            for (job_id, name), count in artifacts.items():
                if count > 1:
                    duplicated.add(job_id)
                    problems.append(f"{job_id}: {count} rows for artifact {name}")
        # Each distinct paid step (by the hash of its inputs) may be paid for once, fleet-wide.
        needed: dict[str, set[str]] = defaultdict(set)
        store = self.artifacts()
        for path in paths.values():
            manifest = json.loads(store.read_bytes(path))
            for step in manifest["steps"]:
                kind = str(step["step"]).split()[0]
                if kind in PAID and step["engine"] == PAID[kind][0]:
                    needed[PAID[kind][1]].add(step["inputs_hash"])
        repeated = {op: paid.get(op, 0) - len(needed[op]) for _, op in PAID.values()}
        return lost, len(duplicated), repeated, problems, latencies


def briefs_for(tag: str, count: int) -> list[dict[str, Any]]:
    """Distinct 5 s square briefs; distinct seeds too, so no two jobs share a step (each pays
    its own script, narration and clip, and any paid call beyond that is a repeat)."""
    base = int(tag, 16) * 1000
    return [{"prompt": f"Why octopuses are smart, fleet {tag} number {n + 1}", "duration_s": 5,
             "aspect": "1:1", "voice": "hume:Ava Song", "emotion": "curious", "seed": base + n}
            for n in range(count)]


def run_round(fleet: Fleet, workers: int, jobs: int, *, kill_after: float = 0.5,
              blind_kill: bool = True, timeout_s: float = 1800.0) -> RoundReport:
    """Start ``workers`` workers, run ``jobs`` jobs, SIGKILL one worker when ``kill_after`` of
    them have succeeded (a replacement starts, as a Deployment would), then audit."""
    fleet.reset_fakes()
    fleet.stop_workers()
    for _ in range(workers):
        fleet.start_worker()
    tag = uuid.uuid4().hex[:6]
    started = time.monotonic()
    job_ids = fleet.submit(briefs_for(tag, jobs))
    killed_jobs: list[str] = []
    killed, in_call = "", []
    deadline = started + timeout_s
    while True:
        states = fleet.states(job_ids)
        done = sum(1 for s in states.values() if s in ("succeeded", "failed", "canceled"))
        if not killed and done >= kill_after * jobs:
            victim = max(fleet.workers, key=lambda w: len(fleet.running_jobs_of(w)))
            killed_jobs, in_call = fleet.kill_worker(victim, blind=blind_kill)
            killed = victim.name
            fleet.start_worker()
        if done == len(job_ids) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    wall = time.monotonic() - started
    canceled = fleet.cancel_unfinished(job_ids) if done < len(job_ids) else 0
    fleet.stop_workers()
    paid = fleet.fake_paid()
    lost, duplicated, repeated, problems, latencies = fleet.audit(job_ids, killed_jobs, paid)
    succeeded = sum(1 for s in fleet.states(job_ids).values() if s == "succeeded")
    resumed, hits = fleet.resumed(killed_jobs)
    ledger_repeated, unsettled = fleet.ledger_repeats(job_ids)
    return RoundReport(workers=workers, jobs=jobs, succeeded=succeeded, lost=lost,
                       duplicated=duplicated, repeated_paid=repeated, paid=paid, wall_s=wall,
                       latencies_s=latencies, run_s=fleet.last_run_s, killed=killed,
                       killed_jobs=len(killed_jobs),
                       resumed=resumed, resumed_cache_hits=hits,
                       kill_in_paid_call=bool(in_call), in_paid_call_at_kill=len(in_call),
                       ledger_repeated=ledger_repeated, ledger_unsettled=unsettled,
                       canceled_at_timeout=canceled, problems=problems)


def print_table(reports: list[RoundReport]) -> None:
    print(f"\n{'workers':>7} {'jobs':>5} {'ok':>5} {'wall s':>7} {'jobs/min':>9} {'p50 s':>7} "
          f"{'p99 s':>7} {'run p99':>8} {'lost':>5} {'dup':>4} {'repaid':>7} "
          f"{'killed (its jobs)':>18}")
    for r in reports:
        repaid = sum(max(0, v) for v in r.repeated_paid.values())
        print(f"{r.workers:>7} {r.jobs:>5} {r.succeeded:>5} {r.wall_s:>7.1f} "
              f"{r.jobs_per_minute:>9.1f} {percentile(r.latencies_s, 50):>7.1f} "
              f"{percentile(r.latencies_s, 99):>7.1f} {percentile(r.run_s, 99):>8.1f} "
              f"{r.lost:>5} {r.duplicated:>4} {repaid:>7} "
              f"{r.killed + f' ({r.killed_jobs})':>18}")
    for r in reports:
        print(f"workers={r.workers}: paid at the fakes {r.paid}; repeated at the fakes"
              f" {r.repeated_paid}; repeated in the ledger {r.ledger_repeated}"
              f" ({r.ledger_unsettled} unsettled)"
              + (f"; the kill caught {r.in_paid_call_at_kill} job(s) inside a script or"
                 " narration call" if r.kill_in_paid_call else "")
              + (f"; CUT OFF by --round-timeout: {r.canceled_at_timeout} unfinished job(s)"
                 " canceled, counted as lost; what they paid counts as repeats at the fakes"
                 " (they left no manifest), so read the ledger column"
                 if r.canceled_at_timeout else ""))
        for problem in r.problems[:10]:
            print(f"  ! {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, default=4, help="jobs per worker at once")
    parser.add_argument("--servers", type=int, default=2, help="`reelforge serve` processes")
    parser.add_argument("--task-delay", type=float, default=3.0,
                        help="seconds the Runware fake takes per clip")
    parser.add_argument("--database", default=os.environ.get(
        "REELFORGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--quiet-kill", action="store_true",
                        help="wait for a moment outside script/narration calls to SIGKILL"
                        " (default: a blind kill at a random instant)")
    parser.add_argument("--kill-after", type=float, default=None,
                        help="fraction of jobs done before the kill (default: random in"
                        " 0.2-0.8)")
    parser.add_argument("--keep", action="store_true", help="keep the logs folder")
    parser.add_argument("--round-timeout", type=float, default=1800.0,
                        help="seconds a round may take; jobs unfinished then count as lost "
                        "and what they paid as repeats at the fakes (the ledger tells)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rf-fleet-"))
    options = FleetOptions(database_url=args.database, redis_url=args.redis, root=root,
                           servers=args.servers, threads=args.threads,
                           task_delay_s=args.task_delay)
    print(f"fleet: {args.servers} API servers, workers {args.workers} × {args.threads} threads, "
          f"{args.jobs} jobs per round, Runware clip {args.task_delay} s; logs in {root}")
    reports = []
    with Fleet(options) as fleet:
        for workers in args.workers:
            kill_after = args.kill_after if args.kill_after is not None else (
                random.uniform(0.2, 0.8))
            report = run_round(fleet, workers, args.jobs, kill_after=kill_after,
                               blind_kill=not args.quiet_kill, timeout_s=args.round_timeout)
            reports.append(report)
            print_table([report])
    print_table(reports)
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
