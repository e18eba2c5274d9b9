"""The one error tree of reelforge.

Every failure a user can see is one of these, and each class says, once, how every interface
shows it: ``http_status`` for the API and the studio, ``exit_code`` for the CLI, ``code`` for
machines. Each layer maps the errors of the layer below once, at its boundary (HTTP →
ProviderError in ``providers/http.py``); nothing above tests codes or classes to pick a status.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: Exit codes of the CLI: 2 for every error reelforge explains (one line on stderr), 1 for an
#: operating-system error, 130 for an interrupt or a canceled job (as shells report Ctrl-C).
EXIT_EXPLAINED, EXIT_INTERRUPTED = 2, 130


class ReelforgeError(Exception):
    """Base of every error reelforge raises on purpose (a bug is not one: it is a 500)."""

    #: Short machine-readable code, stable across versions (used by the API's error body).
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = EXIT_EXPLAINED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def details(self) -> dict[str, Any]:
        """What a client needs beyond the message (the hint, and what a subclass adds)."""
        return {"hint": self.hint} if self.hint else {}

    def headers(self) -> dict[str, str]:
        """HTTP headers that go with this error's response."""
        return {}


# --- the user asked for something that cannot be done as asked ---------------------------------


class InputError(ReelforgeError):
    """The user asked for something invalid; the message says what to fix."""

    code = "invalid_input"
    http_status = 400
    exit_code = EXIT_EXPLAINED


class InvalidField(InputError):
    """One field of a request has a value that cannot be used; ``field`` names it."""

    http_status = 422

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field

    def details(self) -> dict[str, Any]:
        return {**super().details(), "field": self.field}


class TooLarge(InputError):
    """An upload or a picture is bigger than the server accepts."""

    code = "too_large"
    http_status = 413


class NotFound(ReelforgeError):
    """A named thing (job, voice, file, song) does not exist — also another tenant's id."""

    code = "not_found"
    http_status = 404
    exit_code = EXIT_EXPLAINED


class Conflict(ReelforgeError):
    """The request contradicts the current state (e.g. revoking a tenant's last admin key)."""

    code = "conflict"
    http_status = 409
    exit_code = EXIT_EXPLAINED


class Unauthorized(ReelforgeError):
    """No key, or a key that is unknown, expired or revoked."""

    code = "unauthorized"
    http_status = 401
    exit_code = EXIT_EXPLAINED

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(ReelforgeError):
    """The key's role may not do this."""

    code = "forbidden"
    http_status = 403
    exit_code = EXIT_EXPLAINED


class QuotaExceeded(ReelforgeError):
    """A tenant's quota, budget or rate limit is used up."""

    code = "quota_exceeded"
    http_status = 429
    exit_code = EXIT_EXPLAINED

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after

    def details(self) -> dict[str, Any]:
        found = super().details()
        if self.retry_after is not None:
            found["retry_after"] = _whole_seconds(self.retry_after)
        return found

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(_whole_seconds(self.retry_after))}


class Canceled(ReelforgeError):
    """A job was canceled by its owner; raised between steps."""

    code = "canceled"
    http_status = 409
    exit_code = EXIT_INTERRUPTED


# --- something below us failed ------------------------------------------------------------------


class DependencyMissing(ReelforgeError):
    """A binary, model or package a step needs is missing (says how to install it)."""

    code = "dependency_missing"
    http_status = 503
    exit_code = EXIT_EXPLAINED


class ProviderError(ReelforgeError):
    """A remote or local engine failed; ``retryable`` says whether trying again may help."""

    code = "provider_error"
    http_status = 502
    exit_code = EXIT_EXPLAINED

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

    def details(self) -> dict[str, Any]:
        found = super().details()
        found.update(provider=self.provider, retryable=self.retryable, status=self.status)
        return found


class RenderError(ReelforgeError):
    """FFmpeg or another media tool failed on input that should have worked."""

    code = "render_failed"
    http_status = 500
    exit_code = EXIT_EXPLAINED


class DecryptionFailed(ReelforgeError):
    """A ciphertext did not authenticate: wrong key, wrong owner, or tampered with."""

    code = "decryption_failed"
    http_status = 500
    exit_code = EXIT_EXPLAINED


# --- one body for every interface ----------------------------------------------------------------


def error_body(exc: BaseException) -> dict[str, Any]:
    """``{"code", "message", "details"}`` for any exception: what the API returns, the studio
    shows and the worker stores as a failed job's error. A bug shows its class, not a trace."""
    if isinstance(exc, ReelforgeError):
        return {"code": exc.code, "message": exc.message, "details": exc.details()}
    return {"code": "internal", "message": f"{type(exc).__name__}: {exc}", "details": {}}


def http_status_of(exc: BaseException) -> int:
    return exc.http_status if isinstance(exc, ReelforgeError) else 500


def _whole_seconds(seconds: float) -> int:
    return max(1, int(-(-seconds // 1)))
