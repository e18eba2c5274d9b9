"""The one HTTP behaviour every remote client uses.

Timeouts (connect, read, and an overall limit per attempt), the retry policy of ``retry.py``
(408/409/429/5xx, connection errors, Retry-After up to a cap; a paid call is never resent once it
may have reached the provider, a 502/504 from a gateway included, ``paid_calls.py``), one
mapping of failures into ``ProviderError`` (``http_errors.py``), a real User-Agent, secret
redaction in every log line and error, and Prometheus counters per provider (``metrics.py``).
Clients are async inside (httpx); ``run_sync`` lets the sync engine Protocols call them.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from reelforge import __version__
from reelforge.errors import ProviderError
from reelforge.providers.http_errors import (
    ProviderHttpError,
    Redactor,
    error_from_response,
    is_retryable_status,
    parse_retry_after,
    vendor_message,
)
from reelforge.providers.paid_calls import (
    SendProgress,
    may_have_been_processed,
    status_may_have_been_processed,
    unconfirmed_error,
)
from reelforge.providers.retry import HttpPolicy, Outcome, call_with_retries

T = TypeVar("T")

__all__ = [
    "USER_AGENT",
    "HttpPolicy",
    "HttpReply",
    "Outcome",
    "ProviderHttp",
    "ProviderHttpError",
    "Redactor",
    "call_with_retries",
    "is_retryable_status",
    "parse_retry_after",
    "run_sync",
    "vendor_message",
]

USER_AGENT = (
    f"reelforge/{__version__} (+https://github.com/reelforge/reelforge) httpx/{httpx.__version__}"
)


# --- the client --------------------------------------------------------------------------------


@dataclass
class HttpReply:
    status: int
    headers: httpx.Headers
    content: bytes
    request_id: str | None
    attempts: int
    duration_s: float
    data: Any = None  # the parsed JSON body when the request expected JSON


class ProviderHttp:
    """One provider's async HTTP session with the shared policy. Use as ``async with``."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        policy: HttpPolicy,
        key_name: str,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        request_id_header: str = "x-request-id",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.key_name = key_name
        self.redact = Redactor(secrets)
        self.request_id_header = request_id_header
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> ProviderHttp:
        self._client = httpx.AsyncClient(
            timeout=self.policy.timeout,
            headers=self._headers,
            transport=self._transport,
            verify=self.policy.verify,  # always on; REELFORGE_PROVIDER_CA_BUNDLE adds CAs
            follow_redirects=True,  # download URLs often redirect to a CDN
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}" if path.strip("/") else self.base_url

    async def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        expect_json: bool = True,
        parse: Callable[[bytes], Any] | None = None,
        paid: bool = False,
    ) -> HttpReply:
        """Send one logical request (retried per policy); non-2xx raises ProviderHttpError.

        ``parse`` reads a non-JSON body into ``reply.data``; a body it rejects (ValueError or
        ProviderError) counts as a broken reply and is retried like malformed JSON.
        ``paid`` marks a billed, non-idempotent call: it waits up to the generation timeout, and
        a failure after which the provider may have done the work is final, not retried.
        """
        assert self._client is not None, "use ProviderHttp as `async with`"
        client = self._client
        timeout = self.policy.generation_timeout if paid else httpx.USE_CLIENT_DEFAULT
        limit_s = self.policy.generation_timeout_s if paid else self.policy.overall_timeout_s

        async def attempt() -> HttpReply:
            started = time.monotonic()
            progress = SendProgress()
            try:
                async with asyncio.timeout(limit_s):
                    response = await client.request(
                        method, self.url(path), json=json_body, params=params, data=form,
                        headers=headers, timeout=timeout,
                        extensions={"trace": progress} if paid else None,
                    )
            except (TimeoutError, httpx.TransportError) as exc:
                raise self._send_error(operation, exc, paid=paid, progress=progress) from None
            request_id = response.headers.get(self.request_id_header)
            if response.status_code >= 400:
                error = error_from_response(
                    self.provider, operation, response.status_code, response.headers,
                    response.content, key_name=self.key_name, request_id=request_id,
                    redact=self.redact,
                )
                if paid and status_may_have_been_processed(response.status_code):
                    raise unconfirmed_error(self.provider, error.message,
                                            status=response.status_code, request_id=request_id)
                raise error
            data = None
            if parse is not None:
                try:
                    data = parse(response.content)
                except (ValueError, ProviderError) as exc:
                    raise self._broken_reply(
                        f"{operation} returned an unusable body: {exc}", response.status_code,
                        request_id, paid=paid,
                    ) from None
            elif expect_json:
                try:
                    data = response.json()
                except ValueError:
                    raise self._broken_reply(
                        f"{operation} returned a body that is not valid JSON",
                        response.status_code, request_id, paid=paid,
                    ) from None
            return HttpReply(
                status=response.status_code, headers=response.headers, content=response.content,
                request_id=request_id, attempts=1, duration_s=time.monotonic() - started, data=data,
            )

        outcome = await call_with_retries(
            attempt, provider=self.provider, operation=operation, policy=self.policy,
            redact=self.redact,
        )
        reply = outcome.value
        reply.attempts, reply.duration_s = outcome.attempts, outcome.duration_s
        return reply

    async def download(
        self,
        operation: str,
        url: str,
        dest: Path,
        *,
        max_bytes: int,
        content_types: tuple[str, ...],
    ) -> HttpReply:
        """Stream ``url`` to a temporary file beside ``dest``, check size and type, then rename."""
        assert self._client is not None, "use ProviderHttp as `async with`"
        client = self._client
        part = dest.with_name(dest.name + ".part")

        async def attempt() -> HttpReply:
            started = time.monotonic()
            written = 0
            try:
                async with asyncio.timeout(self.policy.overall_timeout_s):
                    async with client.stream("GET", url) as response:
                        request_id = response.headers.get(self.request_id_header)
                        if response.status_code >= 400:
                            await response.aread()
                            raise error_from_response(
                                self.provider, operation, response.status_code,
                                response.headers, response.content, key_name=self.key_name,
                                request_id=request_id, redact=self.redact,
                            )
                        ctype = response.headers.get("content-type", "").split(";")[0].strip()
                        if ctype not in content_types:
                            raise ProviderHttpError(
                                f"{operation}: expected {' or '.join(content_types)}, got"
                                f" {ctype or 'no content type'}",
                                provider=self.provider, kind="bad_type",
                                status=response.status_code, request_id=request_id,
                            )
                        declared = int(response.headers.get("content-length") or 0) or None
                        if declared is not None and declared > max_bytes:
                            raise self._too_big(operation, declared, max_bytes, request_id)
                        with part.open("wb") as out:
                            async for chunk in response.aiter_bytes(1 << 16):
                                written += len(chunk)
                                if written > max_bytes:
                                    raise self._too_big(operation, written, max_bytes, request_id)
                                out.write(chunk)
            except (TimeoutError, httpx.TimeoutException) as exc:
                part.unlink(missing_ok=True)
                raise self._transport_error(operation, "timeout", exc) from None
            except httpx.TransportError as exc:  # includes a body cut short of Content-Length
                part.unlink(missing_ok=True)
                raise self._transport_error(operation, "truncated", exc) from None
            except ProviderHttpError:
                part.unlink(missing_ok=True)
                raise
            if (declared is not None and written != declared) or written == 0:
                part.unlink(missing_ok=True)
                raise ProviderHttpError(
                    f"{operation}: download was truncated ({written} of {declared or '?'} bytes)",
                    provider=self.provider, kind="truncated", retryable=True,
                    request_id=request_id, hint="a network problem; try again",
                )
            os.replace(part, dest)
            return HttpReply(
                status=response.status_code, headers=response.headers, content=b"",
                request_id=request_id, attempts=1, duration_s=time.monotonic() - started,
            )

        outcome = await call_with_retries(
            attempt, provider=self.provider, operation=operation, policy=self.policy,
            redact=self.redact,
        )
        reply = outcome.value
        reply.attempts, reply.duration_s = outcome.attempts, outcome.duration_s
        return reply

    def _send_error(
        self, operation: str, exc: BaseException, *, paid: bool, progress: SendProgress
    ) -> ProviderHttpError:
        """A request that got no complete reply; a paid one the server may have had is final."""
        timed_out = isinstance(exc, (TimeoutError, httpx.TimeoutException))
        if paid and may_have_been_processed(exc, progress):
            detail = self.redact(str(exc) or type(exc).__name__)
            what = (f"got no reply within {self.policy.generation_timeout_s:g} s" if timed_out
                    else "lost the connection before the reply was complete")
            return unconfirmed_error(
                self.provider, f"{operation} {what} ({detail})",
                timeout_s=self.policy.generation_timeout_s if timed_out else None,
            )
        kind = "timeout" if timed_out else (
            "connect" if isinstance(exc, httpx.ConnectError) else "connection")
        return self._transport_error(operation, kind, exc)

    def _broken_reply(
        self, message: str, status: int, request_id: str | None, *, paid: bool
    ) -> ProviderHttpError:
        """A 2xx whose body is unusable: retried, unless it was a paid call (already done)."""
        if paid:
            return unconfirmed_error(self.provider, message, status=status, request_id=request_id)
        return ProviderHttpError(
            message, provider=self.provider, kind="malformed", retryable=True, status=status,
            request_id=request_id, hint="the provider sent a broken reply; try again later",
        )

    def _transport_error(self, operation: str, kind: str, exc: BaseException) -> ProviderHttpError:
        what = {
            "timeout": "timed out",
            "truncated": "lost the connection mid-download",
            "connect": "could not reach the server",
        }.get(kind, "lost the connection before the reply was complete")
        detail = self.redact(str(exc) or type(exc).__name__)
        return ProviderHttpError(
            f"{operation} {what} ({detail})",
            provider=self.provider, kind=kind, retryable=True,
            hint=f"check the network and the base URL ({self.base_url})",
        )

    def _too_big(
        self, operation: str, size: int, limit: int, request_id: str | None
    ) -> ProviderHttpError:
        return ProviderHttpError(
            f"{operation}: the file is larger than the {limit / 1e6:g} MB limit ({size} bytes)",
            provider=self.provider, kind="too_large", request_id=request_id,
            hint="raise REELFORGE_RUNWARE_MAX_DOWNLOAD_MB if this is expected",
        )


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a client coroutine from sync code, even when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    context = contextvars.copy_context()  # the spend recording (providers/spend.py) goes along
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coro).result()
