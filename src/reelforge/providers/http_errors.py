"""How remote failures become errors a user can act on, and how secrets stay out of them.

One mapping for every provider: a non-2xx reply (in any of our vendors' error shapes) becomes a
``ProviderHttpError`` with ``retryable``, status, request id and the server's Retry-After; every
text that leaves a client passes through a ``Redactor`` first.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from reelforge.errors import ProviderError

REDACTED = "[redacted]"


def is_retryable_status(status: int) -> bool:
    """The statuses every vendor SDK we follow retries: 408, 409, 429 and any 5xx."""
    return status in (408, 409, 429) or status >= 500


# --- secrets -----------------------------------------------------------------------------------


class Redactor:
    """Replaces every known secret (and anything that looks like a bearer token) in a text."""

    _PATTERNS = (
        re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"),
        re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{6,}"),
        re.compile(r"(?i)(\"?(?:api_?key|apiKey|access_token|client_secret)\"?\s*[:=]\s*\"?)[^\"&\s,}]+"),
    )

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for pattern in self._PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


# --- errors ------------------------------------------------------------------------------------


class ProviderHttpError(ProviderError):
    """A ProviderError that also carries what the server asked: wait ``retry_after_s`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        kind: str,
        retryable: bool = False,
        status: int | None = None,
        request_id: str | None = None,
        retry_after_s: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            retryable=retryable,
            status=status,
            request_id=request_id,
            hint=hint,
        )
        self.kind = kind
        self.retry_after_s = retry_after_s
        self.attempts = 1  # set by the retry loop to the number of tries made


def vendor_message(body: Any) -> str | None:
    """The human message in any of our vendors' error bodies (OpenAI, Hume, Runware, Spotify)."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = {"errors": body}
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("errors"), list) and body["errors"]:  # Runware
        parts = []
        for item in body["errors"][:3]:
            if isinstance(item, dict):
                where = f" ({item['parameter']})" if item.get("parameter") else ""
                code, text = item.get("code", "error"), item.get("message", "")
                parts.append(f"{code}{where}: {text}".strip())
        return "; ".join(parts) or None
    if isinstance(body.get("detail"), list):  # Hume 422 (FastAPI-style)
        parts = []
        for item in body["detail"][:3]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
        return "; ".join(parts) or None
    error = body.get("error")
    if isinstance(error, dict):  # OpenAI, Spotify Web API, Runware single error
        return str(error.get("message") or error.get("code") or "") or None
    if isinstance(error, str):  # Spotify accounts (OAuth) or Hume ErrorResponse
        return str(body.get("error_description") or body.get("message") or error)
    fault = body.get("fault")
    if isinstance(fault, dict) and fault.get("faultstring"):  # API gateway (Hume auth)
        return str(fault["faultstring"])
    for key in ("message", "detail"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def status_hint(status: int, key_name: str) -> str:
    """What a user can do about an HTTP status."""
    if status in (401, 403):
        return f"check {key_name} (it is missing, wrong, or lacks access to this endpoint)"
    if status == 402:
        return "the account is out of credits; top it up at the provider"
    if status == 429:
        return "rate limited; wait a little or lower REELFORGE_CONCURRENCY"
    if status >= 500:
        return "the provider is having trouble; try again later"
    if status in (400, 404, 422):
        return "the provider rejected the request; fix what the message names and try again"
    return "see the provider's status page"


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked to wait: ``retry-after-ms`` first, then ``Retry-After``."""
    lower = {k.lower(): v for k, v in headers.items()}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = lower.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) / divisor
            if math.isfinite(value):
                return max(0.0, value)
        except ValueError:
            pass
    raw = lower.get("retry-after")
    if raw:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is not None:
            return max(0.0, float(email.utils.mktime_tz(parsed) - time.time()))
    return None


def error_from_response(
    provider: str,
    operation: str,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    key_name: str,
    request_id: str | None,
    redact: Redactor,
) -> ProviderHttpError:
    """Map one non-2xx response into a ProviderHttpError a user can act on."""
    try:
        body: Any = json.loads(content) if content else None
    except ValueError:
        body = content[:200].decode("utf-8", "replace").strip() or None
    detail = vendor_message(body) if not isinstance(body, str) else body
    retryable = is_retryable_status(status)
    should_retry = {k.lower(): v for k, v in headers.items()}.get("x-should-retry")
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    message = f"{operation} failed" + (f": {detail}" if detail else "")
    return ProviderHttpError(
        redact(message),
        provider=provider,
        kind=str(status),
        retryable=retryable,
        status=status,
        request_id=request_id,
        retry_after_s=parse_retry_after(headers),
        hint=status_hint(status, key_name),
    )
