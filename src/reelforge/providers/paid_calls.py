"""A paid, non-idempotent call is never sent twice blindly.

Hume TTS and OpenAI speech and chat take no idempotency key: when the reply is lost after the
request reached the provider (a read timeout, a dropped or broken reply), the work may be done and
billed, and a retry would pay for it again. Such a failure is final (kind ``unconfirmed``). A
failure that proves the request was not processed (no connection, or a 408/409/429/500/503
answer from the provider itself) is retried like any other; a 502/504 comes from a gateway in
front of the provider and proves nothing, so it is final too. Runware submissions carry a
``taskUUID`` the provider de-duplicates, so they may be resent (``video/runware.py``).

Every paid call, Runware's included, is written to the spend ledger through ``paid_call`` (or
``begin_paid_call`` for a call that outlives one attempt): before it is sent, then settled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from reelforge.errors import ProviderError
from reelforge.providers import spend
from reelforge.providers.http_errors import ProviderHttpError

log = structlog.get_logger("reelforge.providers.spend")

#: httpx failures that prove the server never had the whole request (so it did no work). By
#: name, because the openai SDK brings its own copy of httpx (``httpx2``) with the same classes.
NOT_DELIVERED = frozenset({
    "ConnectError", "ConnectTimeout", "PoolTimeout", "WriteError", "WriteTimeout",
    "LocalProtocolError", "UnsupportedProtocol", "ProxyError",
})
GENERATION_TIMEOUT_SETTING = "REELFORGE_HTTP_GENERATION_TIMEOUT_S"
#: Answers from a gateway (proxy, load balancer) in front of the provider: it may have passed
#: the request on before failing, so they do not prove that nothing was done.
GATEWAY_STATUSES = frozenset({502, 504})


def status_may_have_been_processed(status: int) -> bool:
    """Whether an error status leaves open that the provider did (and billed) the work."""
    return status in GATEWAY_STATUSES


@dataclass
class SendProgress:
    """How far one attempt got on the wire, from httpcore's ``trace`` request extension.

    Our own overall limit (``asyncio.timeout``) says nothing about where it fired; this does.
    """

    traced: bool = False
    sending: bool = False

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self.traced = True
        if event.endswith("send_request_headers.started"):
            self.sending = True

    @property
    def maybe_sent(self) -> bool:
        """True once the request began to leave; without trace events (a test transport), too."""
        return self.sending or not self.traced


def may_have_been_processed(
    exc: BaseException | None, progress: SendProgress | None = None
) -> bool:
    """Whether the server may have received the whole request before ``exc`` ended the attempt.

    Anything not known to stop before delivery counts as delivered: paying twice is worse than
    failing once.
    """
    if exc is None:
        return True
    if any(cls.__module__.startswith("httpx") and cls.__name__ in NOT_DELIVERED
           for cls in type(exc).__mro__):
        return False
    if isinstance(exc, TimeoutError) and progress is not None:  # our asyncio overall limit
        return progress.maybe_sent
    return True


def unconfirmed_error(
    provider: str,
    failure: str,
    *,
    timeout_s: float | None = None,
    status: int | None = None,
    request_id: str | None = None,
) -> ProviderHttpError:
    """The final error of a paid call whose outcome is unknown: it says why it was not retried."""
    hint = "re-run the job once the provider is healthy (that sends the request once more)"
    if timeout_s is not None:
        hint = (f"if {provider} is only slow, raise {GENERATION_TIMEOUT_SETTING} (now"
                f" {timeout_s:g} s), then re-run the job (that sends the request once more)")
    return ProviderHttpError(
        f"{failure}; the request may have been processed and charged by {provider},"
        " so it was not retried, to avoid paying twice",
        provider=provider, kind="unconfirmed", retryable=False, status=status,
        request_id=request_id, hint=hint,
    )


# --- the spend ledger, as call sites use it ---------------------------------------------------


def fingerprint(request: Any) -> str:
    """What was asked, as a stable hash: the same request gives the same fingerprint."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def may_have_billed(exc: BaseException) -> bool:
    """Whether a paid call that ended in ``exc`` may still have been billed.

    Only a provider's own answer (an error status, a failed task) or a failure known to stop
    before delivery says no; anything else (a lost reply, a crash, a cancel) says maybe.
    """
    if isinstance(exc, ProviderHttpError):
        return exc.kind == "unconfirmed"
    return not isinstance(exc, ProviderError)


class PaidCall:
    """One paid call's ledger entry as its call site sees it; without a recording, a no-op."""

    def __init__(self, active: spend.Recording | None, call_id: str | None,
                 estimated_cost_usd: float = 0.0) -> None:
        self._active = active
        self.call_id = call_id
        self.estimated_cost_usd = estimated_cost_usd
        self.settled = False

    def confirm(self, *, request_id: str | None, cost_usd: float | None) -> None:
        """The provider answered and did the work: it cost ``cost_usd`` (None: the estimate)."""
        self._settle(spend.Settlement(
            "confirmed", request_id=request_id,
            cost_usd=self.estimated_cost_usd if cost_usd is None else cost_usd,
            may_have_billed=True))

    def fail(self, *, may_have_billed: bool, request_id: str | None = None) -> None:
        """The call failed; ``may_have_billed`` unless the provider's answer proves otherwise."""
        self._settle(spend.Settlement("failed", request_id=request_id,
                                      may_have_billed=may_have_billed))

    def _settle(self, settlement: spend.Settlement) -> None:
        if self.settled or self._active is None or self.call_id is None:
            self.settled = True
            return
        self.settled = True
        try:
            self._active.ledger.settle(self.call_id, settlement)
        except Exception as exc:  # the call itself is done; an unsettled entry reads "maybe"
            log.warning("spend.settle_failed", call_id=self.call_id, error=str(exc))


def begin_paid_call(provider: str, operation: str, model: str, *, request: Any,
                    estimated_cost_usd: float) -> PaidCall:
    """Write a paid call as ``sent`` before it leaves (a ledger that cannot write stops it)."""
    active = spend.current()
    if active is None:
        return PaidCall(None, None, estimated_cost_usd)
    call_id = active.ledger.before_send(active.scope, spend.PaidRequest(
        provider=provider, operation=operation, model=model, fingerprint=fingerprint(request),
        estimated_cost_usd=round(estimated_cost_usd, 6)))
    return PaidCall(active, call_id, estimated_cost_usd)


def resumed_paid_call(call_id: str | None, estimated_cost_usd: float = 0.0) -> PaidCall:
    """The entry an earlier attempt wrote for a call that is still running (a Runware task)."""
    return PaidCall(spend.current(), call_id, estimated_cost_usd)


@contextmanager
def paid_call(provider: str, operation: str, model: str, *, request: Any,
              estimated_cost_usd: float) -> Iterator[PaidCall]:
    """Record the one paid request made inside the block; call ``confirm`` once it answered.

    A block that raises before confirming settles the call as failed, billed or not by
    ``may_have_billed``; one that ends without confirming is confirmed at the estimate.
    """
    call = begin_paid_call(provider, operation, model, request=request,
                           estimated_cost_usd=estimated_cost_usd)
    try:
        yield call
    except BaseException as exc:
        call.fail(may_have_billed=may_have_billed(exc),
                  request_id=getattr(exc, "request_id", None))
        raise
    call.confirm(request_id=None, cost_usd=None)
