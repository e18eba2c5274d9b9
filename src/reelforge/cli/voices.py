"""`reelforge voices`: every voice, with language, accent and engine."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from reelforge.providers.registry import offline_voices
from reelforge.settings import Settings


def voices_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List the voices usable offline (Piper; espeak-ng when installed).

    Remote voices: `--voice hume:<name>` or `--voice openai:<voice>` with their API keys set.
    """
    voices = offline_voices(Settings())
    if as_json:
        print(json.dumps([asdict(v) for v in voices], indent=2))
        return
    table = Table(title="Voices (use the id with `reelforge make --voice`)")
    for column in ("id", "name", "language", "accent", "gender", "engine"):
        table.add_column(column)
    for v in voices:
        table.add_row(v.id, v.name, v.language, v.accent, v.gender, v.engine)
    Console().print(table)
    if not any(v.engine == "espeak" for v in voices):
        Console(stderr=True).print(
            "note: install espeak-ng for 24 more voices (sudo apt-get install espeak-ng)"
        )
