"""`reelforge providers`: which engine serves each capability, and whether it is reachable."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table


def providers_command(
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Make one cheap, unpaid request to each configured service."),
    timeout: float = typer.Option(5.0, help="Seconds to wait for each service."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """Show, per capability, the configured engines and whether they are reachable.

    A remote engine is configured when its key is set (OPENAI_API_KEY, HUME_API_KEY,
    RUNWARE_API_KEY, SPOTIFY_CLIENT_ID + SPOTIFY_CLIENT_SECRET); the base URLs can point at
    OpenAI-compatible servers or at `reelforge fakes serve`.
    """
    import asyncio

    from reelforge.providers.reachability import probe_engines
    from reelforge.providers.registry import engine_statuses
    from reelforge.settings import Settings

    settings = Settings()
    statuses = engine_statuses(settings)
    if check:
        asyncio.run(probe_engines(statuses, settings, timeout))
    if json_out:
        print(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    table = compact_table("capability", "engine", "kind", "configured", "selected", "reachable",
                          "detail", title="reelforge engines", whole=("capability", "engine"),
                          folded=("detail",))
    for s in statuses:
        reachable = {None: "-", True: "[green]yes[/]", False: "[red]no[/]"}[s.reachable]
        if s.kind == "offline":
            reachable = "local"
        table.add_row(s.capability, s.engine, s.kind, "yes" if s.configured else "no",
                      "[bold]yes[/]" if s.selected else "", reachable,
                      s.detail or s.base_url)
    Console().print(table)
