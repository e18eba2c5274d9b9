"""Prometheus counters for remote provider calls (calls, errors, latency, cost), per provider.

They live in the default registry, so the API server's ``/metrics`` exposes them with no wiring.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PROVIDER_CALLS = Counter(
    "reelforge_provider_calls",
    "Remote provider calls (one per logical call, retries included), by outcome.",
    ["provider", "operation", "outcome"],
)
PROVIDER_ERRORS = Counter(
    "reelforge_provider_errors",
    "Failed attempts at remote provider calls, by kind (HTTP status, timeout, connect, ...).",
    ["provider", "operation", "kind"],
)
PROVIDER_RETRIES = Counter(
    "reelforge_provider_retries",
    "Attempts that were retried after a retryable failure.",
    ["provider", "operation"],
)
PROVIDER_LATENCY = Histogram(
    "reelforge_provider_latency_seconds",
    "Wall time of one logical remote call, retries and waits included.",
    ["provider", "operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
PROVIDER_COST = Counter(
    "reelforge_provider_cost_usd",
    "Money spent at remote providers, as the provider reported it (or our estimate).",
    ["provider", "operation"],
)


def record_call(provider: str, operation: str, *, ok: bool, duration_s: float) -> None:
    PROVIDER_CALLS.labels(provider, operation, "ok" if ok else "error").inc()
    PROVIDER_LATENCY.labels(provider, operation).observe(duration_s)


def record_error(provider: str, operation: str, kind: str) -> None:
    PROVIDER_ERRORS.labels(provider, operation, kind).inc()


def record_retry(provider: str, operation: str) -> None:
    PROVIDER_RETRIES.labels(provider, operation).inc()


def record_cost(provider: str, operation: str, usd: float) -> None:
    if usd > 0:
        PROVIDER_COST.labels(provider, operation).inc(usd)
