"""`reelforge footage` — your own clips and pictures: index them, search them by meaning.

Parsing and printing only; the work is in ``reelforge.library.footage_add`` and
``footage_store``. Progress goes to stderr so ``--json`` on stdout stays clean for scripts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table
from reelforge.errors import InputError
from reelforge.text import timecode

if TYPE_CHECKING:
    from reelforge.library.footage import FootageMatch, FootageShot

app = typer.Typer(
    help="Your own footage: index folders of clips and pictures (shots, what is said, how they "
    "look, names and sidecars), then find shots by meaning.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


def _folder() -> Path:
    from reelforge.library.footage_store import default_footage_folder
    from reelforge.settings import Settings

    return default_footage_folder(Settings())


def _embed() -> Any:
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode


def shot_json(shot: FootageShot) -> dict[str, Any]:
    return {
        "file": shot.source, "shot_id": shot.shot_id, "kind": shot.kind,
        "start_s": shot.start_s, "end_s": shot.end_s,
        "start": timecode(shot.start_s), "end": timecode(shot.end_s),
        "duration_s": round(shot.duration_s, 3), "width": shot.width, "height": shot.height,
        "transcript": shot.transcript, "names": list(shot.names), "colours": list(shot.colours),
        "description": shot.description, "thumbnail": shot.extra.get("thumbnail") or None,
    }


def match_json(match: FootageMatch) -> dict[str, Any]:
    return {**shot_json(match.shot), "score": match.score, "reason": match.reason}


@app.command("add")
def add_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Folders (searched recursively) or files of videos and pictures.")],
    no_transcribe: bool = typer.Option(
        False, "--no-transcribe", help="Skip listening to what is said (faster)."),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), "--workers", min=1, help="Files analysed at once."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Index the clips and pictures in PATHS into your footage library.

    Re-running is cheap: unchanged files are skipped and files gone from an added folder
    leave the library. Files that cannot be used are listed with the reason.

    Example: reelforge footage add ~/Videos/holiday ~/Pictures/beach
    """
    for path in paths:  # check every argument before any work starts
        if not path.expanduser().exists():
            raise InputError(f"not found: {path}",
                             hint="pass folders or files that exist, e.g. "
                             "reelforge footage add ~/Videos")
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from reelforge.library.footage_add import add_footage
    from reelforge.providers.vision import VisionCaptioner
    from reelforge.settings import Settings

    folder = _folder()
    captioner = VisionCaptioner.from_settings(Settings())
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True, disable=as_json)
    with bar:
        task = bar.add_task("indexing footage", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total,
                       description=f"indexing {name}" if name else "indexing footage")

        report = add_footage(paths, folder, embed=_embed(), transcribe=not no_transcribe,
                             progress=progress, workers=workers,
                             caption=captioner.caption if captioner else None)
    _record_in_library(folder, report.added + report.skipped)
    spent = {"captions": len(captioner.calls), "caption_model": captioner.model,
             "caption_cost_usd": round(sum(c.cost_usd for c in captioner.calls), 6)} \
        if captioner else {}
    if as_json:
        out.print_json(json.dumps({"library": str(folder), **report.to_dict(), **spent}))
        return
    table = compact_table("file", "result", folded=("file",))
    for name in report.added:
        table.add_row(name, "[green]added[/]")
    for failed in report.failed:
        table.add_row(failed.path, f"[red]skipped[/]: {failed.reason}")
    for warning in report.warnings:
        table.add_row(warning.path, f"[yellow]note[/]: {warning.reason}")
    for name in report.removed:
        table.add_row(name, "removed (file is gone)")
    if table.row_count:
        out.print(table)
    out.print(f"{len(report.added)} added ({report.shots_added} shots), "
              f"{len(report.skipped)} unchanged, {len(report.failed)} skipped, "
              f"{len(report.removed)} removed — library: {folder}", highlight=False)
    if spent:
        out.print(f"{spent['captions']} keyframes captioned by {spent['caption_model']}: "
                  f"${spent['caption_cost_usd']:.4f}", highlight=False)


def _record_in_library(folder: Path, paths: list[str]) -> None:
    """The indexed files as the local tenant's library items (the studio's Library pages); their
    footage is indexed already, so only their analysis is queued."""
    from reelforge.jobs.platform import open_platform
    from reelforge.library.footage_store import load_library
    from reelforge.services.library import record_cli_files
    from reelforge.settings import Settings

    if not paths:
        return
    files = load_library(folder).files
    hashes = {p: files[p].content_hash for p in paths if p in files}
    record_cli_files(open_platform(Settings()), [Path(p) for p in paths], index=False,
                     hashes=hashes)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help='What the shot should show, e.g. "a dog on a beach".'),
    k: int = typer.Option(10, "--k", "-k", min=1, help="How many shots to return."),
    kind: str | None = typer.Option(None, "--kind", help="video or picture."),
    min_duration: float = typer.Option(0.0, "--min-duration", min=0.0,
                                       help="Shortest video shot, seconds."),
    as_json: bool = typer.Option(False, "--json", help="Print results as JSON."),
) -> None:
    """Find shots by meaning: best first, with file, timecodes, score and why.

    Example: reelforge footage search "a dog running on the beach" -k 5
    """
    if kind not in (None, "video", "picture"):
        raise InputError(f"--kind {kind!r} is not a footage kind", hint="use video or picture")
    from reelforge.library.footage_store import open_footage_index

    index = open_footage_index(_folder(), _embed())
    matches = index.search(query, k, kind=kind, min_duration_s=min_duration)  # type: ignore[arg-type]
    if as_json:
        out.print_json(json.dumps({"query": query, "results": [match_json(m) for m in matches]}))
        return
    if not matches:
        out.print("no shots match those filters")
        return
    table = compact_table("score", "file", "from", "to", "why", folded=("file",))
    for m in matches:
        shot = m.shot
        start, end = ((timecode(shot.start_s), timecode(shot.end_s)) if shot.kind == "video"
                      else ("picture", ""))
        table.add_row(f"{m.score:.3f}", shot.source, start, end, m.reason)
    out.print(table)


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the shots in your footage library, by file."""
    from reelforge.library.footage_store import open_footage_index

    index = open_footage_index(_folder(), _embed())
    shots = index.shots
    if as_json:
        out.print_json(json.dumps([shot_json(s) for s in shots]))
        return
    table = compact_table("file", "from", "to", "size", "colours", "said", folded=("file",))
    for s in shots:
        start, end = ((timecode(s.start_s), timecode(s.end_s)) if s.kind == "video"
                      else ("picture", ""))
        said = s.transcript if len(s.transcript) <= 40 else s.transcript[:39] + "…"
        table.add_row(s.source, start, end, f"{s.width}×{s.height}", ", ".join(s.colours[:3]),
                      said)
    out.print(table)
    files = len({s.source for s in shots})
    out.print(f"{len(shots)} shots from {files} files — library: {_folder()}", highlight=False)
