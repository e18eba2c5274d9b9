"""Usage analytics for a tenant (CLI ``reelforge usage`` and ``GET /v1/usage``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from reelforge.errors import InputError
from reelforge.jobs.platform import Platform
from reelforge.store import usage
from reelforge.store.tenants import tenant_by_name

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> datetime:
    """``7d``, ``24h``, ``30m``, ``2w`` ago, or an ISO date/time (UTC)."""
    value = text.strip().lower()
    match = _RELATIVE.match(value)
    if match:
        amount = int(match.group(1))
        if amount > 100_000:
            raise InputError(f"--since {text!r} is too far back", hint="use e.g. 7d or 52w")
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"cannot read the time {text!r}",
                         hint="use 7d, 24h, 30m, 2w, or a date like 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def tenant_usage(platform: Platform, tenant: str, since: str) -> usage.UsageSummary:
    moment = parse_since(since)
    with platform.db.session() as session:
        found = tenant_by_name(session, tenant)
        return usage.summarize(session, found.id, found.name, moment)
