"""The spend ledger seam: every paid call is written down before it is sent, then settled.

The worker opens a recording (a ledger plus tenant, job and step) around a job's steps; the
provider clients, deep inside async httpx code, find it through a context variable, so nothing
passes a ledger down the pipeline. Without a recording (the offline CLI, no database) nothing is
written. A call left ``sent`` (the process died before settling it) counts as "may have been
billed": paying twice is worse than showing a cost that did not happen.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

CallState = Literal["sent", "confirmed", "failed"]


@dataclass(frozen=True)
class SpendScope:
    """Who pays for the calls made now: the tenant, its job (None outside a job) and step."""

    tenant_id: int
    job_id: str | None
    step: str


@dataclass(frozen=True)
class PaidRequest:
    """A paid call about to be sent; ``fingerprint`` names what was asked, not the attempt."""

    provider: str
    operation: str
    model: str
    fingerprint: str
    estimated_cost_usd: float


@dataclass(frozen=True)
class Settlement:
    """How a paid call ended: ``confirmed`` (with the provider's id and cost) or failed."""

    state: Literal["confirmed", "failed"]
    request_id: str | None = None
    cost_usd: float | None = None
    may_have_billed: bool = False


class SpendLedger(Protocol):
    """Where paid calls are recorded (SQL in the platform: ``store/ledger.py``)."""

    def before_send(self, scope: SpendScope, request: PaidRequest) -> str:
        """Write the call as ``sent`` and return its id; must be durable before it returns."""
        ...

    def settle(self, call_id: str, settlement: Settlement) -> None:
        """Record how the call ended (a second settlement of the same call wins)."""
        ...


@dataclass(frozen=True)
class Recording:
    """The ledger and scope paid calls are written to right now."""

    ledger: SpendLedger
    scope: SpendScope


_current: ContextVar[Recording | None] = ContextVar("reelforge_spend_recording", default=None)


@contextmanager
def recording(ledger: SpendLedger, scope: SpendScope) -> Iterator[Recording]:
    """Record every paid call made inside the block (this thread and tasks it starts)."""
    active = Recording(ledger, scope)
    token = _current.set(active)
    try:
        yield active
    finally:
        _current.reset(token)


def current() -> Recording | None:
    """The active recording, or None (no ledger: paid calls are not written anywhere)."""
    return _current.get()


def within_step(active: Recording | None, step: str) -> AbstractContextManager[object]:
    """``active`` narrowed to ``step``, for a step run in another thread (threads start with an
    empty context, so the runner captures ``current()`` first and re-enters it here)."""
    if active is None:
        return nullcontext()
    return recording(active.ledger, replace(active.scope, step=step))


# --- an in-memory ledger (tests, benches) ---------------------------------------------------


@dataclass
class LedgerEntry:
    """One recorded call, as the in-memory ledger keeps it."""

    call_id: str
    scope: SpendScope
    request: PaidRequest
    state: CallState = "sent"
    settlement: Settlement | None = None


@dataclass
class MemorySpendLedger:
    """A SpendLedger in a list: what the SQL one stores, without a database."""

    entries: list[LedgerEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_send(self, scope: SpendScope, request: PaidRequest) -> str:
        call_id = str(uuid.uuid4())
        with self._lock:
            self.entries.append(LedgerEntry(call_id, scope, request))
        return call_id

    def settle(self, call_id: str, settlement: Settlement) -> None:
        with self._lock:
            for entry in self.entries:
                if entry.call_id == call_id:
                    entry.state, entry.settlement = settlement.state, settlement
                    return
        raise KeyError(f"no paid call {call_id} in this ledger")
