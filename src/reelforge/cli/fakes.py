"""`reelforge fakes`: local stand-ins for OpenAI, Hume, Runware and Spotify (demos, tests, CI)."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated

import typer

from reelforge.errors import InputError

app = typer.Typer(
    help="Faithful local fakes of the remote services (OpenAI, Hume, Runware, Spotify).",
    no_args_is_help=True,
)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command("serve")
def serve_command(
    base_port: int = typer.Option(
        8790, "--base-port", help="OpenAI on this port, Hume +1, Runware +2, Spotify +3; 0 = any."
    ),
    host: str = typer.Option("127.0.0.1", help="Loopback address to listen on."),
    api_key: str | None = typer.Option(
        None, "--api-key", help="Accept only this key (default: any non-empty key)."
    ),
    task_delay: float | None = typer.Option(
        None, "--task-delay", help="Seconds a Runware video task stays 'processing'."
    ),
    fault: Annotated[list[str] | None, typer.Option(
        "--fault", help="Plan a fault, e.g. 'hume:POST /v0/tts=429x2' (repeatable)."
    )] = None,
    json_out: bool = typer.Option(False, "--json", help="Print the URLs as one JSON object."),
) -> None:
    """Start every fake on loopback and print the environment that points reelforge at them.

    Paste the printed export lines into another shell and run `reelforge make` there.

    Ctrl-C or SIGTERM stops the fakes. See docs/providers.md for fault kinds and routes.
    """
    from reelforge.fakes.common import FakeConfig, parse_fault_plan
    from reelforge.fakes.server import start_fakes
    from reelforge.settings import Settings

    if host not in LOOPBACK and not host.startswith("127."):
        raise InputError(f"--host {host} is not a loopback address",
                         hint="the fakes accept any key, so they only listen on 127.0.0.1")
    if base_port and not 1024 <= base_port <= 65532:
        raise InputError(f"--base-port {base_port} is out of range", hint="use 1024-65532 or 0")
    settings = Settings()
    config = FakeConfig.from_settings(settings, api_key=api_key)
    if task_delay is not None:
        config.task_delay_s = task_delay
    config.faults += parse_fault_plan(";".join(fault or []))
    try:
        running = start_fakes(settings, config=config, host=host, base_port=base_port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{base_port}-{base_port + 3}: {exc.strerror}",
                         hint="another program uses these ports; pick --base-port or 0") from None
    urls = {name: fake.url for name, fake in running.fakes.items()}
    env = {**running.env(), "OPENAI_API_KEY": api_key or "fake-key",
           "HUME_API_KEY": api_key or "fake-key", "RUNWARE_API_KEY": api_key or "fake-key",
           "SPOTIFY_CLIENT_ID": "fake-client", "SPOTIFY_CLIENT_SECRET": api_key or "fake-key"}
    if json_out:
        print(json.dumps({"urls": urls, "env": env}), flush=True)
    else:
        for name, url in urls.items():
            print(f"{name:8} {url}")
        print("\n# point reelforge at the fakes:")
        for key, value in env.items():
            print(f"export {key}={value}")
        print("\nfakes running; Ctrl-C stops them", flush=True)
    # SIGTERM too: a shell starts background jobs (`make test &`, nohup) with SIGINT ignored
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        while not stop.is_set() and all(f.thread.is_alive() for f in running.fakes.values()):
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
