"""CSRF protection for the studio's cookie-authenticated form posts (double-submit token).

Every response to a browser path sets a random ``rf_csrf`` cookie if the browser has none
(SameSite=Strict; readable by our own script, which is the point of double-submit). A POST,
PUT, PATCH or DELETE outside ``/v1`` (the API authenticates with a header a foreign site
cannot set) must carry the same value in ``X-CSRF-Token`` (htmx requests) or a
``csrf_token`` form field (plain forms; studio.js adds it, first in the form). A foreign site
can make a browser send the cookie, but cannot read it to put it in the request.
"""

from __future__ import annotations

import hmac
import json
import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "rf_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXEMPT_PREFIXES = ("/v1/", "/metrics", "/healthz", "/readyz")
FORM_LIMIT = 1_000_000  # a url-encoded studio form is read whole up to this size
PEEK = 16 * 1024  # a multipart body is peeked this far for the token part


def _cookie(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed cookie header counts as none
                return ""
            if COOKIE in jar:
                return jar[COOKIE].value
    return ""


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


def token_in_body(content_type: str, body: bytes) -> str:
    """The csrf_token field of a url-encoded or (first-part) multipart body, or ""."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return (parse_qs(body.decode("latin-1")).get(FIELD) or [""])[0]
    if content_type.startswith("multipart/form-data"):
        marker = f'name="{FIELD}"'.encode()
        at = body.find(marker)
        if at < 0:
            return ""
        start = body.find(b"\r\n\r\n", at)
        end = body.find(b"\r\n", start + 4) if start >= 0 else -1
        return body[start + 4:end].decode("latin-1") if end > start >= 0 else ""
    return ""


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, *, secure_cookie: bool = False) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope)
        if scope["method"] in UNSAFE:
            sent = _header(scope, HEADER.encode())
            replay: list[Message] = []
            if not sent and cookie:
                sent, replay = await self._token_from_body(scope, receive)
            if not cookie or not sent or not hmac.compare_digest(sent, cookie):
                await self._refuse(send)
                return
            if replay:
                receive = _replaying(replay, receive)
        issue = "" if cookie else secrets.token_urlsafe(32)

        async def send_with_cookie(message: Message) -> None:
            if issue and message["type"] == "http.response.start":
                flags = "; Secure" if self.secure_cookie or scope.get("scheme") == "https" else ""
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{COOKIE}={issue}; Path=/; SameSite=Strict{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _token_from_body(self, scope: Scope, receive: Receive) -> tuple[str, list[Message]]:
        ctype = _header(scope, b"content-type").lower()
        limit = FORM_LIMIT if ctype.startswith("application/x-www-form") else PEEK
        if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return "", []
        messages: list[Message] = []
        body = b""
        while len(body) < limit:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        return token_in_body(ctype, body), messages

    @staticmethod
    async def _refuse(send: Send) -> None:
        body = json.dumps({"error": {
            "code": "csrf_failed", "message": "this form was sent without its page's token",
            "details": {"hint": "reload the studio page and send the form again"}}}).encode()
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A receive that first hands back the messages already read."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
