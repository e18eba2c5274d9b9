"""`reelforge songs` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="songs commands (not yet available).", no_args_is_help=True)
