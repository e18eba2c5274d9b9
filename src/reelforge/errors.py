"""The one error tree of reelforge.

Every failure a user can see is one of these. Each layer maps the errors of the layer below
once, at its boundary (HTTP → ProviderError in ``providers/http.py``; ReelforgeError → exit code
in the CLI, → HTTP status in the API), so nothing above has to know about httpx or FFmpeg.
"""

from __future__ import annotations


class ReelforgeError(Exception):
    """Base of every error reelforge raises on purpose."""

    #: Short machine-readable code, stable across versions (used by the API's error body).
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InputError(ReelforgeError):
    """The user asked for something invalid; the message says what to fix (4xx, exit 2)."""

    code = "invalid_input"


class NotFound(ReelforgeError):
    """A named thing (job, voice, file, song) does not exist (404, exit 2)."""

    code = "not_found"


class DependencyMissing(ReelforgeError):
    """A binary, model or package a step needs is missing (exit 2, says how to install it)."""

    code = "dependency_missing"


class QuotaExceeded(ReelforgeError):
    """A tenant's quota, budget or rate limit is used up (429/402)."""

    code = "quota_exceeded"

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class ProviderError(ReelforgeError):
    """A remote or local engine failed; ``retryable`` says whether trying again may help."""

    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        retryable: bool = False,
        status: int | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.retryable = retryable
        self.status = status
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [f"{self.provider}: {self.message}"]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        text = " ".join(parts)
        return f"{text} — {self.hint}" if self.hint else text


class RenderError(ReelforgeError):
    """FFmpeg or another media tool failed on input that should have worked."""

    code = "render_failed"


class Canceled(ReelforgeError):
    """A job was canceled by its owner; raised between steps."""

    code = "canceled"


class ServiceUnavailable(DependencyMissing):
    """A backing service (Redis, the database) did not answer in time; retrying later helps
    (503)."""

    code = "service_unavailable"
    http_status = 503


class StorageQuotaExceeded(InputError):
    """The tenant stores as much as its quota allows. Waiting frees nothing, so it is not a
    429 (clients retry those): 413, and the hint says what to delete."""

    code = "storage_quota_exceeded"
    http_status = 413
