"""Templates and the words the studio shows: page rendering, formatting filters, errors.

Every error a person sees goes through ``in_words``: the message says what happened, the hint
what to do next; nothing technical (stack traces, codes) reaches the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from reelforge import __version__
from reelforge.domain import JobSpec
from reelforge.errors import ProviderError, QuotaExceeded, ReelforgeError
from reelforge.server.errors import Forbidden
from reelforge.store.tenants import Principal
from reelforge.text import timecode

HERE = Path(__file__).parent
STATE_WORDS = {"queued": "Waiting in line", "running": "Making", "succeeded": "Ready",
               "failed": "Failed", "canceled": "Canceled"}


def ago(value: datetime | None) -> str:
    """'3 min ago' for recent times, a date for older ones."""
    if value is None:
        return ""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return moment.strftime("%d %b %Y")


def money(value: float | None) -> str:
    return f"${value or 0.0:,.2f}" if (value or 0.0) >= 0.01 or not value else f"${value:.4f}"


def seconds(value: float | None) -> str:
    total = round(value or 0.0)
    return f"{total // 60}:{total % 60:02d}" if total >= 60 else f"{value or 0.0:.1f} s"


def size(value: int | None) -> str:
    amount = float(value or 0)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1000
    return ""


def in_words(exc: BaseException) -> tuple[str, str]:
    """(what happened, what to do) for a person, from any error."""
    if isinstance(exc, QuotaExceeded):
        return exc.message, exc.hint or "wait a little and try again"
    if isinstance(exc, Forbidden):
        return exc.message, exc.hint or ""
    if isinstance(exc, ProviderError):
        return (f"The {exc.provider} service did not do its part: {exc.message}",
                exc.hint or ("it may work if you try again" if exc.retryable else
                             "try the offline engine for this step"))
    if isinstance(exc, ReelforgeError):
        return exc.message[:1].upper() + exc.message[1:], exc.hint or ""
    return ("Something went wrong on the server.", "try again; if it keeps happening, "
            "tell your admin the time it happened (the server logged the details)")


def job_error_words(error: dict[str, Any] | None) -> tuple[str, str]:
    """The stored error body of a failed job, in words."""
    if not error:
        return "The job stopped without saying why.", "re-run it"
    message = str(error.get("message") or "The job failed.")
    hint = str((error.get("details") or {}).get("hint") or error.get("hint") or "")
    if error.get("code") == "canceled":
        return "You canceled this job.", "re-run it when you want it"
    if error.get("code") == "internal":
        return "The job hit an unexpected problem on the worker.", hint or "re-run it"
    return message[:1].upper() + message[1:], hint


def brief_of(job: Any) -> dict[str, Any]:
    """A stored job's brief as a flat dict for the templates (engines and plan included)."""
    return JobSpec.of_row(job).summary()


environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                          autoescape=select_autoescape(["html"]), trim_blocks=True,
                          lstrip_blocks=True)
environment.filters.update(ago=ago, money=money, seconds=seconds, size=size, brief=brief_of,
                           timecode=timecode)
environment.globals.update(STATE_WORDS=STATE_WORDS, version=__version__)


def render(request: Request, name: str, who: Principal | None = None, *, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page (or an htmx fragment) from ``templates/name``."""
    from reelforge.server.web.session import may

    body = environment.get_template(name).render(
        request=request, who=who, path=request.url.path,
        can=(lambda action: bool(who and may(who, action))), **context)
    return HTMLResponse(body, status_code=status)
