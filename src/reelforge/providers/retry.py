"""The retry policy every remote call follows (tenacity): what to retry, how long to wait.

Retryable failures (408/409/429/5xx, timeouts, dropped connections, broken bodies) are tried
again with exponential backoff and jitter, or after the server's Retry-After when it gave one,
up to a cap; a Retry-After above the cap fails at once instead of blocking a job.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from reelforge.providers import metrics
from reelforge.providers.http_errors import ProviderHttpError, Redactor
from reelforge.settings import Settings

T = TypeVar("T")
log = structlog.get_logger("reelforge.providers.http")


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry budget of one client (from Settings; tests make the waits tiny)."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    overall_timeout_s: float = 60.0
    generation_timeout_s: float = 300.0  # read and overall limit of a paid call (OpenAI's is 600)
    max_retries: int = 3
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 8.0
    retry_after_cap_s: float = 120.0
    ca_bundle: str | None = None  # extra CAs to trust besides the default ones (issue 9)

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpPolicy:
        return cls(
            connect_timeout_s=settings.http_connect_timeout_s,
            read_timeout_s=settings.http_read_timeout_s,
            overall_timeout_s=settings.http_timeout_s,
            generation_timeout_s=settings.http_generation_timeout_s,
            max_retries=settings.http_max_retries,
            backoff_initial_s=settings.http_backoff_initial_s,
            backoff_max_s=settings.http_backoff_max_s,
            retry_after_cap_s=settings.http_retry_after_cap_s,
            ca_bundle=str(settings.provider_ca_bundle) if settings.provider_ca_bundle else None,
        )

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """Certificates are always verified; ``ca_bundle`` adds trust, never removes it."""
        if self.ca_bundle is None:
            return True
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
        context.load_verify_locations(cafile=self.ca_bundle)
        return context

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeouts(read_s=self.read_timeout_s)

    @property
    def generation_timeout(self) -> httpx.Timeout:
        """A paid call's timeouts: it is sent once, so it may take long; connecting may not."""
        return self._timeouts(read_s=self.generation_timeout_s)

    def _timeouts(self, *, read_s: float) -> httpx.Timeout:
        return httpx.Timeout(
            self.overall_timeout_s,
            connect=self.connect_timeout_s,
            read=read_s,
            write=self.read_timeout_s,
        )


@dataclass
class Outcome(Generic[T]):
    value: T
    attempts: int
    duration_s: float


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    provider: str,
    operation: str,
    policy: HttpPolicy,
    redact: Redactor,
) -> Outcome[T]:
    """Run ``attempt`` until it succeeds, fails for good, or the retry budget is spent.

    ``attempt`` raises ProviderHttpError; its ``retryable`` and ``retry_after_s`` decide.
    A Retry-After above the cap is not waited for: the error is raised at once.
    """
    backoff = wait_exponential_jitter(
        multiplier=policy.backoff_initial_s,
        max=policy.backoff_max_s,
        jitter=policy.backoff_initial_s,
    )

    def should_retry(exc: BaseException) -> bool:
        if not isinstance(exc, ProviderHttpError) or not exc.retryable:
            return False
        return exc.retry_after_s is None or exc.retry_after_s <= policy.retry_after_cap_s

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ProviderHttpError) and exc.retry_after_s is not None:
            return min(exc.retry_after_s, policy.retry_after_cap_s)
        return float(backoff(state))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        metrics.record_retry(provider, operation)
        log.warning(
            "provider.retry",
            provider=provider,
            operation=operation,
            attempt=state.attempt_number,
            wait_s=round(state.next_action.sleep if state.next_action else 0.0, 3),
            error=redact(str(exc)),
        )

    started = time.monotonic()
    attempts = 0
    try:
        async for trying in AsyncRetrying(
            stop=stop_after_attempt(policy.max_retries + 1),
            wait=wait,
            retry=retry_if_exception(should_retry),
            before_sleep=before_sleep,
            reraise=True,
        ):
            with trying:
                attempts = trying.retry_state.attempt_number
                try:
                    value = await attempt()
                except ProviderHttpError as exc:
                    metrics.record_error(provider, operation, exc.kind)
                    raise
    except ProviderHttpError as exc:
        duration = time.monotonic() - started
        metrics.record_call(provider, operation, ok=False, duration_s=duration)
        raise _final_error(exc, attempts, policy) from None
    duration = time.monotonic() - started
    metrics.record_call(provider, operation, ok=True, duration_s=duration)
    return Outcome(value=value, attempts=attempts, duration_s=duration)


def _final_error(exc: ProviderHttpError, attempts: int, policy: HttpPolicy) -> ProviderHttpError:
    """The error the caller sees: what failed, how often we tried, and why we stopped."""
    message, hint = exc.message, exc.hint
    waited_too_long = exc.retry_after_s is not None and exc.retry_after_s > policy.retry_after_cap_s
    if exc.retryable and waited_too_long:
        message += (
            f" (the server asked to wait {exc.retry_after_s:.0f} s, more than the"
            f" {policy.retry_after_cap_s:.0f} s cap, so it was not retried)"
        )
    elif exc.retryable and attempts > 1:
        message += f" (gave up after {attempts} attempts)"
    final = ProviderHttpError(
        message,
        provider=exc.provider,
        kind=exc.kind,
        retryable=exc.retryable,
        status=exc.status,
        request_id=exc.request_id,
        retry_after_s=exc.retry_after_s,
        hint=hint,
    )
    final.attempts = attempts
    return final
