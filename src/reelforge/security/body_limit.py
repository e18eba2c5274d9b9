"""Upload size enforced while the body arrives: an upload route's multipart body is parsed
(and spooled to disk) before the route runs, so without this a chunked upload of any size is
read in full before the route's own size check can refuse it."""

from __future__ import annotations

import json

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = ("/v1/library/items", "/library/upload")
MULTIPART_SLACK = 1_000_000  # form boundaries and other fields around the file


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": {"code": "too_large", "message": "the upload is over the "
                                 f"{limit / 1e6:g} MB limit",
                                 "details": {"hint": "send a smaller file"}}}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Answers 413 as soon as an upload's declared or received size passes ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int,
                 paths: tuple[str, ...] = UPLOAD_PATHS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths \
                or scope["method"] not in ("POST", "PUT"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes - MULTIPART_SLACK)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                refused = True
                await _too_large(send, self.max_bytes - MULTIPART_SLACK)
                return {"type": "http.disconnect"}
            return message

        async def quiet_after_refusal(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, quiet_after_refusal)
        except ClientDisconnect:
            if not refused:
                raise
