"""`reelforge captions VIDEO`: any video's speech transcribed and burned in as word-timed
captions, with SRT, WebVTT and words.json beside it."""

from __future__ import annotations

from pathlib import Path

import typer


def captions_command(
    video: Path = typer.Argument(..., help="A video file with speech."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for captioned.mp4 and the files."),
    captions: str = typer.Option(
        "karaoke", "--captions", help="Caption style: karaoke, pop, box, classic or none."
    ),
) -> None:
    """Transcribe a video's speech locally, burn styled word-timed captions, write
    captions.srt, captions.vtt and words.json into --out."""
    from rich.console import Console

    from reelforge.services.captions import caption_style, caption_video
    from reelforge.settings import Settings

    style = caption_style(captions)
    console = Console(stderr=True)
    with console.status("transcribing and captioning…"):
        done = caption_video(video, out, style, Settings())
    console.print(f"[green]done[/] {len(done.words)} words captioned ({style})")
    for path in done.files:
        typer.echo(str(path))
