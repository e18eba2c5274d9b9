"""`reelforge make`: prompt → finished video."""

from __future__ import annotations


def make_command() -> None:
    """Make a video from a prompt."""
    print("not yet available")
