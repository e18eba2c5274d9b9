"""`reelforge images`: describe, de-duplicate and group a folder of pictures."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from reelforge.errors import InputError

if TYPE_CHECKING:
    from reelforge.media.dedupe import DuplicateGroup
    from reelforge.media.image_batch import BatchResult
    from reelforge.media.image_clusters import ImageClustering

app = typer.Typer(
    help="Describe, de-duplicate and group a folder of pictures (parallel, incremental).",
    no_args_is_help=True,
)
err = Console(stderr=True)

FolderArg = typer.Argument(..., help="Folder of pictures (searched recursively).")
JsonOpt = typer.Option(None, "--json", help="Write the result as JSON to this file ('-' = stdout).")
ReportOpt = typer.Option(None, "--report", help="Write an HTML report with thumbnails here.")
WorkersOpt = typer.Option(None, "--workers", "-w", min=1,
                          help="Processes to use (default: one per core).")
NoCacheOpt = typer.Option(False, "--no-cache",
                          help="Analyse every file again, ignoring results of earlier runs.")
MaxMpOpt = typer.Option(250.0, "--max-megapixels", min=1.0,
                        help="Skip pictures larger than this (decompression-bomb guard).")


@app.command("analyze")
def analyze_command(
    folder: Path = FolderArg,
    json_out: str | None = JsonOpt,
    workers: int | None = WorkersOpt,
    no_cache: bool = NoCacheOpt,
    max_megapixels: float = MaxMpOpt,
    include_gps: bool = typer.Option(
        False, "--include-gps", help="Put GPS coordinates in the output (off: only 'has_gps')."
    ),
) -> None:
    """Measure every picture: size, EXIF, tone, colour, palette, sharpness, noise, hashes."""
    _check_outputs(json_out, None)
    batch = _analyze(folder, workers, no_cache, max_megapixels, include_gps)
    if json_out:
        _write_json(json_out, {
            "folder": str(folder), "totals": batch.totals,
            "images": [a.to_dict() for a in batch.analyses],
            "skipped": [vars(s) for s in batch.skipped],
        })
    if json_out != "-":
        table = Table("picture", "size", "bright", "contrast", "sharp", "palette", "issues",
                      title=f"{len(batch.analyses)} pictures", title_justify="left")
        for a in batch.analyses[:40]:
            table.add_row(Path(a.path).name, f"{a.width}×{a.height}", f"{a.pixels.brightness:.2f}",
                          f"{a.pixels.contrast:.2f}", f"{a.pixels.sharpness:.0f}",
                          " ".join(dict.fromkeys(c.name for c in a.pixels.palette)),
                          ", ".join(a.pixels.exposure))
        Console().print(table)
        if len(batch.analyses) > 40:
            Console().print(f"… and {len(batch.analyses) - 40} more (use --json for all)")
        _print_totals(batch)


@app.command("dedupe")
def dedupe_command(
    folder: Path = FolderArg,
    json_out: str | None = JsonOpt,
    report: Path | None = ReportOpt,
    workers: int | None = WorkersOpt,
    no_cache: bool = NoCacheOpt,
    max_megapixels: float = MaxMpOpt,
) -> None:
    """Find near-duplicates (resized, recompressed, cropped, re-exposed) and suggest a keeper."""
    from reelforge.media.dedupe import find_duplicate_groups

    _check_outputs(json_out, report)
    batch = _analyze(folder, workers, no_cache, max_megapixels, False)
    groups = find_duplicate_groups(batch.analyses)
    if json_out:
        _write_json(json_out, {"folder": str(folder), "totals": batch.totals,
                               "groups": [_group_json(g) for g in groups],
                               "skipped": [vars(s) for s in batch.skipped]})
    if report:
        _report(report, folder, batch, None, groups, workers)
    if json_out != "-":
        out = Console()
        for number, group in enumerate(groups, 1):
            out.print(f"[bold]group {number}[/] ({len(group.members)} files, "
                      f"similarity ≥ {group.similarity:.2f})")
            out.print(f"  [green]keep[/] {group.keeper.path}  "
                      f"({group.keeper.width}×{group.keeper.height})")
            for extra in group.extras:
                out.print(f"  copy {extra.path}  ({extra.width}×{extra.height})")
        extras = sum(len(g.extras) for g in groups)
        out.print(f"{len(groups)} duplicate groups, {extras} removable copies")
        _print_totals(batch)


@app.command("cluster")
def cluster_command(
    folder: Path = FolderArg,
    report: Path | None = ReportOpt,
    json_out: str | None = JsonOpt,
    min_cluster_size: int = typer.Option(3, "--min-cluster-size", min=2,
                                         help="Fewest pictures that make a cluster."),
    workers: int | None = WorkersOpt,
    no_cache: bool = NoCacheOpt,
    max_megapixels: float = MaxMpOpt,
) -> None:
    """Group pictures by look (colour, tone, layout, texture) and name each group."""
    from reelforge.media.dedupe import find_duplicate_groups
    from reelforge.media.image_clusters import cluster_images

    _check_outputs(json_out, report)
    batch = _analyze(folder, workers, no_cache, max_megapixels, False)
    groups = find_duplicate_groups(batch.analyses)
    clustering = cluster_images(batch.analyses, duplicate_groups=groups,
                                min_cluster_size=min_cluster_size)
    if json_out:
        _write_json(json_out, _clustering_json(folder, batch, clustering, groups))
    if report:
        _report(report, folder, batch, clustering, groups, workers)
    if json_out != "-":
        out = Console()
        for cluster in clustering.clusters:
            out.print(f"[bold]{cluster.name}[/]: {len(cluster.members)} pictures, e.g. "
                      + ", ".join(Path(a.path).name for a in cluster.members[:3]))
        out.print(f"{len(clustering.outliers)} pictures fit no cluster "
                  f"({len(clustering.clusters)} clusters, method {clustering.method})")
        _print_totals(batch)


def _check_outputs(json_out: str | None, report: Path | None) -> None:
    """Refuse unusable output paths before minutes of analysis, not after."""
    for option, target in (("--json", json_out), ("--report", report)):
        if target is None or str(target) == "-":
            continue
        path = Path(target)
        if path.is_dir():
            raise InputError(f"{option} {target} is a folder", hint="name a file instead")
        parent = path.parent if str(path.parent) else Path(".")
        if parent.exists() and not parent.is_dir():
            raise InputError(f"{option} {target}: {parent} is a file, not a folder",
                             hint="choose another location")


def _analyze(folder: Path, workers: int | None, no_cache: bool, max_megapixels: float,
             include_gps: bool) -> BatchResult:
    from reelforge.media.image_batch import analyze_folder
    from reelforge.settings import Settings

    settings = Settings()
    with _progress("analysing") as update:
        return analyze_folder(folder, settings, workers=workers, use_cache=not no_cache,
                              max_pixels=int(max_megapixels * 1e6), include_gps=include_gps,
                              progress=update)


def _report(path: Path, folder: Path, batch: BatchResult, clustering: ImageClustering | None,
            groups: list[DuplicateGroup], workers: int | None) -> None:
    from reelforge.media.image_batch import load_previews
    from reelforge.media.image_report import write_image_report
    from reelforge.settings import Settings

    previews = load_previews(Settings(), [a.path for a in batch.analyses])
    with _progress("thumbnails") as update:
        summary = write_image_report(path, folder=folder, batch=batch, clustering=clustering,
                                     groups=groups, workers=workers, previews=previews,
                                     progress=update)
    err.print(f"report: {summary.path} ({summary.thumbnails} thumbnails)")


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=err, transient=True, disable=not err.is_terminal)
    task = bar.add_task(label, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _print_totals(batch: BatchResult) -> None:
    t = batch.totals
    out = Console()
    if batch.cache_problem:
        err.print(f"[yellow]warning:[/] {batch.cache_problem}", highlight=False)
    out.print(f"found {t['found']} · analysed {t['analysed']} · skipped {t['skipped']} · "
              f"reused from cache {t['from_cache']}")
    for skipped in batch.skipped:
        out.print(f"  [yellow]skipped[/] {skipped.path}: {skipped.reason}", highlight=False)


def _group_json(group: DuplicateGroup) -> dict[str, Any]:
    return {"keeper": group.keeper.path, "copies": [a.path for a in group.extras],
            "similarity": group.similarity}


def _clustering_json(folder: Path, batch: BatchResult, clustering: ImageClustering,
                     groups: list[DuplicateGroup]) -> dict[str, Any]:
    return {
        "folder": str(folder), "totals": batch.totals, "method": clustering.method,
        "clusters": [{"label": c.label, "name": c.name, "traits": c.traits,
                      "pictures": [a.path for a in c.members]} for c in clustering.clusters],
        "outliers": [a.path for a in clustering.outliers],
        "duplicate_groups": [_group_json(g) for g in groups],
        "skipped": [vars(s) for s in batch.skipped],
    }


def _write_json(target: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    path = Path(target)
    if path.is_dir():
        raise InputError(f"--json {target} is a folder", hint="name a .json file instead")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}",
                         hint="choose a writable location") from None
    err.print(f"wrote {path}")
