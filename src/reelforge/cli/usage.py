"""`reelforge usage --tenant acme --since 7d`: jobs, minutes rendered, paid calls and cost."""

from __future__ import annotations

import dataclasses
import json

import typer


def usage_command(
    tenant: str = typer.Option(..., "--tenant", help="Tenant name."),
    since: str = typer.Option("7d", "--since", help="7d, 24h, 30m, 2w or a date (2026-11-01)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What a tenant used: jobs by state, minutes rendered, paid calls and their cost by provider
    (failed jobs included; calls of unknown outcome shown as may have been billed)."""
    from rich.console import Console
    from rich.table import Table

    from reelforge.jobs.platform import open_platform
    from reelforge.services.usage import tenant_usage
    from reelforge.settings import Settings

    summary = tenant_usage(open_platform(Settings()), tenant, since)
    if as_json:
        doc = dataclasses.asdict(summary)
        doc["since"] = summary.since.isoformat()
        doc["cost_usd"] = summary.cost_usd
        doc["may_have_been_billed_usd"] = summary.may_have_been_billed_usd
        print(json.dumps(doc, indent=2))
        return
    table = Table(title=f"usage of {summary.tenant} since {summary.since:%Y-%m-%d %H:%M} UTC")
    table.add_column("what")
    table.add_column("value", justify="right")
    for state, count in sorted(summary.jobs.items()):
        table.add_row(f"jobs {state}", str(count))
    table.add_row("minutes rendered", f"{summary.minutes_rendered:.2f}")
    for outcome, count in sorted(summary.paid_calls.items()):
        table.add_row(f"paid calls {outcome}", str(count))
    for provider, cost in sorted(summary.cost_by_provider.items()):
        table.add_row(f"cost {provider or 'other'}", f"${cost:.4f}")
    table.add_row("cost total", f"${summary.cost_usd:.4f}")
    for provider, cost in sorted(summary.may_have_been_billed_by_provider.items()):
        table.add_row(f"may have been billed {provider}", f"${cost:.4f} (estimate)")
    Console().print(table)
