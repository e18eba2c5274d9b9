"""The web studio served by ``reelforge serve`` at ``/``: create, watch, review and browse.

Server-rendered Jinja2 pages, htmx (vendored, see static/vendor/VENDORED.md) and a little plain
JavaScript; no front-end build step. Every page goes through the same service layer as the API.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from reelforge.server.web.render import HERE


def mount_studio(app: FastAPI) -> None:
    """Add the studio's pages, actions, media routes and static files to the API app."""
    from reelforge.server.web import actions, media, pages

    for module in (pages, actions, media):
        app.include_router(module.router)
    from reelforge.server.web import footage  # issue 17: a job's shots and the swap

    app.include_router(footage.router)
    from reelforge.server.web import clips  # issue 18: clips from a video

    app.include_router(clips.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="studio-static")
