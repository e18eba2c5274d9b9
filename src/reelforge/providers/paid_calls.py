"""A paid, non-idempotent call is never sent twice blindly.

Hume TTS and OpenAI speech and chat take no idempotency key: when the reply is lost after the
request reached the provider (a read timeout, a dropped or broken reply), the work may be done and
billed, and a retry would pay for it again. Such a failure is final (kind ``unconfirmed``). A
failure that proves the request was not processed (no connection, or a 408/409/429/5xx answer)
is retried like any other. Runware submissions carry a ``taskUUID`` the provider de-duplicates,
so they are not paid calls in this sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelforge.providers.http_errors import ProviderHttpError

#: httpx failures that prove the server never had the whole request (so it did no work). By
#: name, because the openai SDK brings its own copy of httpx (``httpx2``) with the same classes.
NOT_DELIVERED = frozenset({
    "ConnectError", "ConnectTimeout", "PoolTimeout", "WriteError", "WriteTimeout",
    "LocalProtocolError", "UnsupportedProtocol", "ProxyError",
})
GENERATION_TIMEOUT_SETTING = "REELFORGE_HTTP_GENERATION_TIMEOUT_S"


@dataclass
class SendProgress:
    """How far one attempt got on the wire, from httpcore's ``trace`` request extension.

    Our own overall limit (``asyncio.timeout``) says nothing about where it fired; this does.
    """

    traced: bool = False
    sending: bool = False

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self.traced = True
        if event.endswith("send_request_headers.started"):
            self.sending = True

    @property
    def maybe_sent(self) -> bool:
        """True once the request began to leave; without trace events (a test transport), too."""
        return self.sending or not self.traced


def may_have_been_processed(
    exc: BaseException | None, progress: SendProgress | None = None
) -> bool:
    """Whether the server may have received the whole request before ``exc`` ended the attempt.

    Anything not known to stop before delivery counts as delivered: paying twice is worse than
    failing once.
    """
    if exc is None:
        return True
    if any(cls.__module__.startswith("httpx") and cls.__name__ in NOT_DELIVERED
           for cls in type(exc).__mro__):
        return False
    if isinstance(exc, TimeoutError) and progress is not None:  # our asyncio overall limit
        return progress.maybe_sent
    return True


def unconfirmed_error(
    provider: str,
    failure: str,
    *,
    timeout_s: float | None = None,
    status: int | None = None,
    request_id: str | None = None,
) -> ProviderHttpError:
    """The final error of a paid call whose outcome is unknown: it says why it was not retried."""
    hint = "re-run the job once the provider is healthy (that sends the request once more)"
    if timeout_s is not None:
        hint = (f"if {provider} is only slow, raise {GENERATION_TIMEOUT_SETTING} (now"
                f" {timeout_s:g} s), then re-run the job (that sends the request once more)")
    return ProviderHttpError(
        f"{failure}; the request may have been processed and charged by {provider},"
        " so it was not retried, to avoid paying twice",
        provider=provider, kind="unconfirmed", retryable=False, status=status,
        request_id=request_id, hint=hint,
    )
