"""Responses are not held back by Nagle's algorithm when uvicorn runs several workers."""

from __future__ import annotations

import asyncio
import socket

from reelforge.server.nodelay import NoDelayH11Protocol, set_nodelay


async def accepted_nodelay(tune: bool) -> int:
    """TCP_NODELAY of a connection accepted on a listener rebuilt from its file descriptor,
    the way uvicorn's worker processes receive it (protocol number 0)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    rebuilt = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, listener.detach())
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if tune:
                set_nodelay(transport)
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    server = await asyncio.get_running_loop().create_server(Probe, sock=rebuilt)
    port = rebuilt.getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(seen, 5)
    finally:
        writer.close()
        server.close()


def test_a_rebuilt_listener_leaves_nagle_on_unless_the_protocol_turns_it_off() -> None:
    assert asyncio.run(accepted_nodelay(tune=False)) == 0  # the bug: asyncio skips proto 0
    assert asyncio.run(accepted_nodelay(tune=True)) != 0


def test_serve_runs_uvicorn_with_the_protocol_that_turns_nagle_off() -> None:
    from uvicorn.importer import import_from_string

    from reelforge.cli.serve import uvicorn_options
    from reelforge.settings import Settings

    options = uvicorn_options(Settings(_env_file=None, serve_workers=2))
    assert import_from_string(options["http"]) is NoDelayH11Protocol
    assert options["workers"] == 2
