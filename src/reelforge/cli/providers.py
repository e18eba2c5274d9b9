"""`reelforge providers`: which engine serves each capability, and whether it is reachable."""

from __future__ import annotations


def providers_command() -> None:
    """Show, per capability, the configured engines and whether they are reachable."""
    print("not yet available")
