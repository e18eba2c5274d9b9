"""HTTP methods a path allows: ``OPTIONS`` answers 204 with them, and a 405 lists them all.

Starlette's router stops at the first route that matches, so on a path served by two routes
(``GET /v1/jobs`` and ``POST /v1/jobs``) its 405 named one method and OPTIONS was a 405 too,
and ``GET /v1/jobs/estimate`` reached ``GET /v1/jobs/{job_id}``. Here a path with a route of its
own (no parameters) is that resource alone, and both answers come from every route of the app,
as RFC 9110 asks.
"""

from __future__ import annotations

import re
from typing import Any

from reelforge.server.errors import error_response

#: Methods every documented path answers besides its operations' own.
IMPLICIT = frozenset({"OPTIONS"})
_PARAMETER = re.compile(r"\\{[^/]+?\\}")


class PathMethods:
    """The methods of every path of the OpenAPI document (the one list of what the API
    serves), matched against request paths; paths outside the document are not ours."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._table: list[tuple[re.Pattern[str], bool, frozenset[str]]] | None = None

    def table(self) -> list[tuple[re.Pattern[str], bool, frozenset[str]]]:
        if self._table is None:
            rows = []
            for template, operations in self.app.openapi().get("paths", {}).items():
                pattern = _PARAMETER.sub("[^/]+", re.escape(template))
                rows.append((re.compile(pattern + "$"), "{" not in template,
                             frozenset(m.upper() for m in operations)))
            self._table = rows
        return self._table

    def allowed(self, path: str) -> frozenset[str]:
        """Every method served at ``path`` (empty: not a path of the API). A path of its own
        (``/v1/jobs/estimate``) wins over a template that also matches it (``/v1/jobs/{id}``)."""
        fixed: set[str] = set()
        templated: set[str] = set()
        for pattern, is_fixed, methods in self.table():
            if pattern.match(path):
                (fixed if is_fixed else templated).update(methods)
        found = fixed or templated
        return frozenset(found | IMPLICIT) if found else frozenset()


def allow_header(methods: frozenset[str]) -> bytes:
    return ", ".join(sorted(methods)).encode()


class AllowedMethodsMiddleware:
    """Pure ASGI: answer OPTIONS and unsupported methods itself, and list every allowed method
    in the ``Allow`` header of a 405."""

    def __init__(self, app: Any, fastapi_app: Any) -> None:
        self.app, self.paths = app, PathMethods(fastapi_app)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self.paths.allowed(scope["path"])
        if methods and scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204,
                        "headers": [(b"allow", allow_header(methods))]})
            await send({"type": "http.response.body", "body": b""})
            return
        if methods and scope["method"] not in methods:
            answer = error_response(405, "method_not_allowed",
                                    f"{scope['method']} is not allowed on {scope['path'][:200]}",
                                    {"allow": sorted(methods)},
                                    headers={"Allow": allow_header(methods).decode()})
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)
