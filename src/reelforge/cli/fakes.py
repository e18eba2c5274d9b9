"""`reelforge fakes` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="fakes commands (not yet available).", no_args_is_help=True)
