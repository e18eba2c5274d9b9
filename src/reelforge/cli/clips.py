"""`reelforge clips LONG_VIDEO`: the best moments of a talk as captioned vertical shorts, and
`reelforge reframe VIDEO`: a whole video reframed to another aspect following the face."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


class _Rows:
    """One progress row per stage, created when the stage first reports."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.rows: dict[str, Any] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if stage not in self.rows:
            self.rows[stage] = self.progress.add_task(stage, total=1.0)
        self.progress.update(self.rows[stage], completed=min(1.0, fraction))


def clips_command(
    video: Path = typer.Argument(..., help="A long video with speech (talk, podcast, lesson)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the clips and clips.json."),
    count: int = typer.Option(5, "--count", "-n", help="How many clips at most."),
    length: str = typer.Option("20-60", "--length", help="Clip length range in seconds."),
    aspect: str = typer.Option("9:16", "--aspect", help="Aspect of the clips, W:H."),
    about: str = typer.Option("", "--about", help="Prefer moments about this topic."),
    captions: str = typer.Option(
        "karaoke", "--captions", help="Caption style: karaoke, pop, box, classic or none."
    ),
    visual_only: bool = typer.Option(
        False, "--visual-only", help="Without speech, pick moments by visual activity."
    ),
    hook_title: bool = typer.Option(
        False, "--hook-title", help="Show each clip's first sentence as a title for 3 s."
    ),
    music: Path | None = typer.Option(
        None, "--music", help="A song looped under every clip, ducked while someone speaks."
    ),
) -> None:
    """Transcribe locally, cut the best moments on sentence boundaries, reframe each to the
    aspect following the speaker's face, burn word-timed captions; write clips.json."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from reelforge.services.captions import caption_style
    from reelforge.services.clips import ClipRequest, make_clips, parse_length
    from reelforge.settings import Settings

    low, high = parse_length(length)
    request = ClipRequest(video=video, out_dir=out, count=count, min_s=low, max_s=high,
                          aspect=aspect, about=about, captions=caption_style(captions),
                          visual_only=visual_only, hook_title=hook_title, music=music)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        made = make_clips(request, Settings(), _Rows(progress))
    for clip in made:
        m = clip.moment
        console.print(f"[green]{clip.file.name}[/] {m.start_s:.1f}–{m.end_s:.1f} s "
                      f"(score {m.scores.total:.2f}): {m.reason}", highlight=False)
        typer.echo(str(clip.file))
    typer.echo(str(out / "clips.json"))


def reframe_command(
    video: Path = typer.Argument(..., help="A video to reframe."),
    out: Path = typer.Option(..., "--out", "-o", help="The reframed MP4 to write."),
    aspect: str = typer.Option("9:16", "--aspect", help="Target aspect, W:H."),
) -> None:
    """Reframe a whole video to another aspect, the window following the speaker's face
    (smoothly, a new framing at each shot change; a blurred fill where no face is seen)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from reelforge.services.clips import reframe_video
    from reelforge.settings import Settings

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        share = reframe_video(video, out, aspect, Settings(), _Rows(progress))
    console.print(f"[green]done[/] a face in {share:.0%} of the sampled frames")
    typer.echo(str(out))
