"""Helpers shared by the studio tests (fixtures are in conftest.py)."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass
class Studio:
    """A running studio: where it answers, its settings, keys by role, and its processes."""

    url: str
    settings: Settings
    keys: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    catalog_ready: threading.Event = field(default_factory=threading.Event)
    shared: dict[str, Any] = field(default_factory=dict)  # what one test leaves the next


def sign_in(context: Any, studio: Studio, role: str) -> Any:
    """A page of ``context`` signed in with the ``role`` key through the sign-in form."""
    page = context.new_page()
    page.goto(f"{studio.url}/signin")
    page.get_by_label("API key").fill(studio.keys[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{studio.url}/")
    return page


def screenshot(page: Any, name: str) -> list[Path]:
    """docs/screenshots/<name>-desktop.png and -phone.png of the page as it is now; also checks
    that at phone width nothing makes the page scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    size = page.viewport_size
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(150)
        if label == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at phone width"
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), animations="disabled")
        written.append(path)
    page.set_viewport_size(size)
    return written
