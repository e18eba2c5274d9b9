"""The studio's route class: a page never answers with JSON.

A missing or expired sign-in redirects to /signin (htmx requests get ``HX-Redirect``); any
error the service layer raises becomes a page, or for htmx an inline alert, in plain words.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from reelforge.errors import NotFound, ReelforgeError, http_status_of
from reelforge.server.web.render import in_words, render
from reelforge.server.web.session import SignInNeeded, same_origin

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def signin_redirect(request: Request, reason: str) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    media = ("/files/", "/events", "/file", "/songs/", "/voices/", "/result")
    if request.method != "GET" or any(part in target for part in media):
        target = "/"
    url = f"/signin?next={quote(target)}" + (f"&reason={reason}" if reason else "")
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, exc: BaseException) -> Response:
    what, todo = in_words(exc)
    who = getattr(request.state, "principal", None)
    status = http_status_of(exc)
    if is_htmx(request):
        return render(request, "_alert.html", who, what=what, todo=todo)
    title = "Not found" if isinstance(exc, NotFound) else "That did not work"
    back = request.headers.get("referer", "")
    if not back or not same_origin(request):
        back = "/"
    return render(request, "error.html", who, status=status, title=title, what=what, todo=todo,
                  back=back)


class StudioRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded as exc:
                return signin_redirect(request, exc.reason)
            except ReelforgeError as exc:
                return error_page(request, exc)

        return guarded
