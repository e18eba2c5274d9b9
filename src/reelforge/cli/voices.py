"""`reelforge voices`: every voice, with language, accent and engine."""

from __future__ import annotations


def voices_command() -> None:
    """List voices."""
    print("not yet available")
