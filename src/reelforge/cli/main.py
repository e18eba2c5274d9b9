"""Entry point of the ``reelforge`` command: builds the app and maps errors to exit codes once."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from reelforge import __version__
from reelforge.cli import (
    batch,
    captions,
    clips,
    fakes,
    footage,
    images,
    jobs,
    keys,
    make,
    music,
    providers,
    secrets,
    serve,
    songs,
    usage,
    video,
    voices,
    worker,
)
from reelforge.errors import ReelforgeError

app = typer.Typer(
    name="reelforge",
    help="Turn a prompt into a finished short video, and understand your own media library.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("make")(make.make_command)
app.command("captions")(captions.captions_command)
app.command("voices")(voices.voices_command)
app.add_typer(video.app, name="video")
app.add_typer(images.app, name="images")
app.add_typer(songs.app, name="songs")
app.add_typer(music.app, name="music")  # issue 20: the composer
app.add_typer(footage.app, name="footage")  # issue 17: your own footage
app.add_typer(fakes.app, name="fakes")
app.command("providers")(providers.providers_command)
app.command("serve")(serve.serve_command)
app.command("worker")(worker.worker_command)
app.add_typer(keys.app, name="keys")
app.add_typer(secrets.app, name="secrets")  # issue 9: tenant provider credentials
app.command("usage")(usage.usage_command)
app.add_typer(jobs.app, name="jobs")
app.command("batch")(batch.batch_command)
app.command("clips")(clips.clips_command)  # issue 18: long video to shorts
app.command("reframe")(clips.reframe_command)


def _version(value: bool) -> None:
    if value:
        print(f"reelforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """reelforge — prompt → finished short video; library → searchable."""


def run() -> None:
    """Console-script entry: a ReelforgeError is one clear line on stderr and its exit code."""
    err = Console(stderr=True)
    try:
        app()
    except ReelforgeError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        err.print(f"[bold red]error:[/] {exc.strerror or exc}{where}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print(
            "[yellow]interrupted[/] — finished steps are cached; run the same command to resume"
        )
        sys.exit(130)


if __name__ == "__main__":
    run()
