"""What a pipeline step is, and the one way every step runs: through the step cache.

A step is a small plug-in (the shape of PySceneDetect's detectors and MoviePy's effects): a
``name``, the share of the job done when it ends, and ``run(job, results)``, which reads the
typed results of earlier steps and puts its own. Inside, it calls ``job.run_step`` once per
unit of work; that keys the cache on (step, engine, engine version, inputs), reuses a finished
result or makes it, copies its files into the job folder and records it in the manifest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from reelforge.domain import JobSpec, ProviderCall, StepRecord
from reelforge.errors import Canceled
from reelforge.pipeline.cache import StepCache, place, step_key
from reelforge.providers import spend
from reelforge.providers.base import Engine
from reelforge.settings import Settings

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")

#: Bumped when the stored shape of a step's result changes, so old cache entries are not read.
RESULT_FORMAT = 2

StepState = Literal["started", "progress", "done", "cached"]


@dataclass(frozen=True)
class StepIdentity:
    """The 'engine' of a step that has no swappable engine (assembly, analysis, an edited
    plan): its name and version go into the cache key like an engine's."""

    name: str
    version: str


@dataclass(frozen=True)
class StepEvent:
    """Progress of one step, for progress bars (CLI) and server-sent events (API).

    ``job_progress`` is the share of the whole job done, when the runner knows it."""

    step: str
    label: str
    state: StepState
    fraction: float = 0.0
    job_progress: float | None = None


ProgressFn = Callable[[StepEvent], None]


@dataclass(frozen=True)
class Made(Generic[R]):
    """What a step's maker returns: its typed result and the provider calls it paid for."""

    result: R
    calls: list[ProviderCall] = field(default_factory=list)


@dataclass(frozen=True)
class StepOutput(Generic[R]):
    """A step's result, from the cache or freshly made; ``key`` identifies it downstream."""

    result: R
    key: str
    hit: bool


class MissingResult(LookupError):
    """A step asked for a result no earlier step made: the job's step list is out of order
    (a programming error, not the user's)."""


class Results:
    """The typed results of a job's finished steps, one per result type (a Plan, the
    Narrations…). A step reads what it needs by type and puts what it makes."""

    def __init__(self) -> None:
        self._by_type: dict[type[BaseModel], BaseModel] = {}

    def put(self, result: BaseModel) -> None:
        self._by_type[type(result)] = result

    def get(self, kind: type[R]) -> R:
        found = self._by_type.get(kind)
        if found is None:
            raise MissingResult(f"no {kind.__name__} yet: a step that makes it must run first")
        assert isinstance(found, kind)
        return found

    def find(self, kind: type[R]) -> R | None:
        found = self._by_type.get(kind)
        return found if isinstance(found, kind) else None


class Step(Protocol):
    """A pipeline step. ``progress``: the share of the job done when it ends (0–1]."""

    @property
    def name(self) -> str: ...

    @property
    def progress(self) -> float: ...

    def run(self, job: JobRun, results: Results) -> None: ...


class JobRun:
    """One running job: its spec, settings, engines, folder, cache, and the manifest records
    being filled. Steps receive it; they never see how it is stored or queued."""

    def __init__(
        self,
        spec: JobSpec,
        settings: Settings,
        job_dir: Path,
        engines: Any,
        steps: Sequence[Step],
        *,
        cache: StepCache | None = None,
        on_event: ProgressFn | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> None:
        assert spec.brief is not None
        self.spec, self.brief, self.settings, self.dir = spec, spec.brief, settings, job_dir
        self.engines = engines
        self.cache = cache or StepCache.for_settings(settings)
        self.on_event: ProgressFn = on_event or (lambda event: None)
        self.cancel = cancel or (lambda: False)
        self.records: list[StepRecord] = []
        self._lock = threading.Lock()
        self.spend = spend.current()  # scene threads start without it: run_step re-enters it
        self._span: dict[str, tuple[float, float]] = {}
        done = 0.0
        for step in steps:
            self._span[step.name] = (done, step.progress)
            done = step.progress

    def check_cancel(self) -> None:
        if self.cancel():
            raise Canceled("the job was canceled; finished steps stay cached")

    def report(self, step: str, label: str, fraction: float) -> None:
        """A step's progress inside one unit of work (0–1), for long single steps."""
        start, end = self._span.get(step, (0.0, 0.0))
        self.on_event(StepEvent(step, label, "progress", fraction,
                                job_progress=start + (end - start) * fraction))

    def run_step(
        self,
        step: str,
        label: str,
        engine: Engine,
        inputs: Any,
        result_type: type[R],
        make: Callable[[Path], Made[R]],
        files: dict[str, str] | None = None,
    ) -> StepOutput[R]:
        """Run one unit of a step through the cache; copy its ``files`` (cache name → path in
        the job folder) into place and record it in the manifest."""
        self.check_cancel()
        key = step_key(step, engine.name, engine.version,
                       {"inputs": inputs, "format": RESULT_FORMAT})
        started = time.monotonic()
        self.on_event(StepEvent(step, label, "started"))

        def build(folder: Path) -> dict[str, Any]:
            made = make(folder)
            return {"result": made.result.model_dump(mode="json"),
                    "calls": [c.model_dump(mode="json") for c in made.calls]}

        with spend.within_step(self.spend, label):  # paid calls land in the spend ledger
            entry = self.cache.get_or_make(key, build)
        result = result_type.model_validate(entry.value["result"])
        calls = [] if entry.hit else [ProviderCall(**c) for c in entry.value.get("calls", [])]
        for name, target in (files or {}).items():
            place(entry.file(name), self.dir / target)
        record = StepRecord(
            step=label,
            engine=engine.name,
            engine_version=engine.version,
            inputs_hash=key[:16],
            duration_s=round(time.monotonic() - started, 3),
            cost_usd=sum(c.cost_usd for c in calls),
            cache_hit=entry.hit,
            outputs=list((files or {}).values()),
            calls=calls,
        )
        with self._lock:
            self.records.append(record)
        self.on_event(StepEvent(step, label, "cached" if entry.hit else "done", 1.0,
                                job_progress=self._span.get(step, (0.0, None))[1]))
        return StepOutput(result=result, key=key, hit=entry.hit)

    def for_each_scene(self, count: int, work: Callable[[int], T]) -> list[T]:
        """``work(i)`` for every scene, ``settings.concurrency`` at a time, in scene order."""
        with ThreadPoolExecutor(max_workers=self.settings.concurrency,
                                thread_name_prefix="scene") as pool:
            return list(pool.map(work, range(count)))
