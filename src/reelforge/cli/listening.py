"""`reelforge serve` under uvicorn, saying where to go once its socket listens.

Imported only when `serve` runs (uvicorn is not for `--help`).
"""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from rich.console import Console
from uvicorn.supervisors import Multiprocess

STARTUP_FAILURE = 3  # uvicorn's exit code when the app cannot start


def served_urls(host: str, port: int, *, tls: bool) -> dict[str, str]:
    """Where a user reaches the API, its docs and the studio (a wildcard host as localhost)."""
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (only shown)
    base = f"{'https' if tls else 'http'}://{f'[{shown}]' if ':' in shown else shown}:{port}"
    return {"api": f"{base}/v1", "docs": f"{base}/docs", "studio": f"{base}/"}


def announce(listening: socket.socket, *, tls: bool) -> None:
    """Print the URLs (on stderr: stdout stays for data)."""
    host, port = listening.getsockname()[:2]
    urls = served_urls(str(host), int(port), tls=tls)
    Console(stderr=True, highlight=False).print(
        f"reelforge API  {urls['api']}\n"
        f"API docs       {urls['docs']}\n"
        f"studio         {urls['studio']}\n"
        "listening; Ctrl-C stops the server", soft_wrap=True)  # URLs never broken


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, announcing its URLs once its socket listens."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.servers and self.servers[0].sockets:
            announce(self.servers[0].sockets[0], tls=self.config.is_ssl)


def serve(config: uvicorn.Config) -> int:
    """Run until Ctrl-C, as ``uvicorn.run`` would; the exit code (0, or 3 if it never started)."""
    if config.workers > 1:
        listening = config.bind_socket()  # the workers share this socket;
        listening.listen(config.backlog)  # connections queue from now until a worker takes them
        announce(listening, tls=config.is_ssl)
        Multiprocess(config, sockets=[listening]).run()
        return 0
    server = AnnouncingServer(config)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once shut down
        server.run()
    return 0 if server.started else STARTUP_FAILURE
