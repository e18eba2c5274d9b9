"""Per-key rate limits: a token bucket, in this process by default, in Redis across servers.

A key may burst ``rate_burst`` requests, then ``rate_per_minute`` a minute; over that the
API answers 429 with Retry-After (seconds until one token is back).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from reelforge.errors import ServiceUnavailable
from reelforge.jobs.queue import redis_timeouts
from reelforge.settings import Settings

BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local data = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local retry = 0
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 't', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, tostring(retry)}
"""


class RateLimiter(Protocol):
    def take(self, key: str, per_minute: float, burst: int) -> float:
        """Take one token; returns 0 when allowed, else seconds until one is back."""
        ...


class LocalRateLimiter:
    """Buckets in this process's memory (one server process)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, per_minute: float, burst: int) -> float:
        rate = per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / rate if rate > 0 else 3600.0


class RedisRateLimiter:
    """Buckets in Redis, shared by every server process (atomic Lua script). A Redis that does
    not answer within the socket timeouts is a 503, never a hung request."""

    def __init__(self, url: str, timeouts: dict[str, float] | None = None) -> None:
        import redis

        self.client = redis.Redis.from_url(url, **(timeouts or {}))
        self.script = self.client.register_script(BUCKET_LUA)

    def take(self, key: str, per_minute: float, burst: int) -> float:
        import redis

        try:
            allowed, retry = self.script(keys=[f"reelforge:rate:{key}"],
                                         args=[per_minute / 60.0, burst, time.time()])
        except redis.RedisError as exc:
            raise ServiceUnavailable(
                f"the rate-limit store did not answer ({type(exc).__name__})",
                hint="retry in a few seconds; operators: check the Redis of "
                     "REELFORGE_RATE_LIMIT_URL (or REELFORGE_QUEUE_URL)") from None
        return 0.0 if int(allowed) == 1 else float(retry)


def rate_limiter_for(url: str | None, settings: Settings) -> RateLimiter:
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisRateLimiter(url, redis_timeouts(settings))
    return LocalRateLimiter()
