"""`reelforge video`: shots, keyframes and analysis of one video; similar shots across many."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from reelforge.errors import InputError, ReelforgeError

app = typer.Typer(
    help="Find the shots of a video (cuts, fades, dissolves), pick keyframes, analyse looks and "
    "pacing, and group similar shots across a folder.",
    no_args_is_help=True,
)
err = Console(stderr=True)

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts",
                  ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".ogv", ".gif"}

FileArg = typer.Argument(..., help="A video file (MP4, MOV, MKV, WebM, ...).")
FullOpt = typer.Option(False, "--full",
                       help="Decode every frame (default: skip B-frames except around changes "
                            "of picture, which finds the same shots in about half the time).")
MinShotOpt = typer.Option(0.4, "--min-shot", min=0.0,
                          help="Shortest shot in seconds; closer changes keep the stronger one.")
KeyframesOpt = typer.Option(None, "--keyframes",
                            help="Write keyframes (per shot) into this folder.")
OutOpt = typer.Option(None, "--out", "-o", help="Write the JSON here instead of printing it.")
StripOpt = typer.Option(None, "--strip", help="Write a thumbnail strip (one image per shot) here.")
FolderArg = typer.Argument(..., help="Folder of videos (searched recursively).")
ClusterJsonOpt = typer.Option(False, "--json", help="Print the groups as JSON on stdout.")
MinClusterOpt = typer.Option(3, "--min-cluster-size", min=2, help="Fewest shots that make a group.")
SizeOpt = typer.Option(640, "--keyframe-size", min=16, max=4096,
                       help="Long side of written keyframes, in pixels.")
FormatOpt = typer.Option("jpg", "--keyframe-format", help="jpg, webp or png.")


@app.command("shots")
def shots_command(
    file: Path = FileArg,
    as_json: bool = typer.Option(False, "--json", help="Print shots as JSON on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="Print shots as CSV on stdout."),
    keyframes: Path | None = KeyframesOpt,
    keyframe_size: int = SizeOpt,
    keyframe_format: str = FormatOpt,
    full: bool = FullOpt,
    min_shot: float = MinShotOpt,
    workers: int = typer.Option(
        0, "--workers", min=0,
        help="Processes for a long file, split at keyframes into 2-minute parts (bounded "
             "memory). 0: all cores for files over 10 minutes, one piece otherwise."),
) -> None:
    """List the shots of FILE: frames, times, timecodes and how each one begins."""
    if as_json and as_csv:
        raise InputError("--json and --csv both print to stdout", hint="choose one")
    if keyframes is None and _split_worth_it(file, workers):
        _split_shots(file, workers, full, min_shot, as_json, as_csv)
        return
    from reelforge.media.shots import detect_shots_in

    with _progress(f"shots in {file.name}") as tick:
        detection = detect_shots_in(file, fast=not full, min_shot_s=min_shot, on_progress=tick)
    written = []
    if keyframes is not None:
        from reelforge.media.keyframes import choose_keyframes, write_keyframes

        chosen = choose_keyframes(detection)
        written = write_keyframes(detection, chosen, keyframes, size=keyframe_size,
                                  image_format=keyframe_format)  # type: ignore[arg-type]
    rows = [s.as_dict() for s in detection.shots]
    for row in rows:
        row["keyframes"] = [k.path for k in written if k.shot_index == row["index"]]
    if as_json:
        json.dump({"file": str(file), "frames": detection.video.total_frames,
                   "fps": detection.video.info.fps, "shots": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif as_csv:
        _write_csv(rows)
    else:
        _print_shots(detection.shots, f"{len(rows)} shots in {file.name}")
        if written:
            Console().print(f"{len(written)} keyframes written to {keyframes}")
    if detection.video.stats.corrupt_frames:
        err.print(f"[yellow]warning:[/] {detection.video.stats.corrupt_frames} corrupt frames "
                  "were skipped")


def _split_worth_it(file: Path, workers: int) -> bool:
    """Split when asked for several workers, or (by default) when the file is long."""
    if workers > 1:
        return True
    if workers == 1:
        return False
    from reelforge.media.probe import probe_video
    from reelforge.media.shots.split import SPLIT_ABOVE_S

    return (probe_video(file).duration_s or 0.0) > SPLIT_ABOVE_S


def _split_shots(file: Path, workers: int, full: bool, min_shot: float, as_json: bool,
                 as_csv: bool) -> None:
    from reelforge.media.shots.split import detect_shots_split

    with _progress(f"shots in {file.name} (in parts)") as tick:
        found = detect_shots_split(file, workers=workers, fast=not full,
                                   min_shot_s=min_shot,
                                   progress=lambda done, total: tick(done / total))
    rows = [s.as_dict() for s in found.shots]
    if as_json:
        json.dump({"file": str(file), "frames": found.total_frames, "fps": found.fps,
                   "shots": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif as_csv:
        _write_csv(rows)
    else:
        _print_shots(found.shots, f"{len(rows)} shots in {file.name} ({found.parts} parts)")


def _print_shots(shots: list[Any], title: str) -> None:
    table = Table("#", "start", "end", "frames", "seconds", "begins with", "score",
                  title=title, title_justify="left")
    for s in shots:
        score = s.scores.get("content", s.scores.get("change", 0.0))
        table.add_row(str(s.index), s.start_timecode, s.end_timecode,
                      f"{s.start_frame}–{s.end_frame - 1}", f"{s.duration_s:.2f}",
                      s.transition, f"{score:.1f}" if s.index else "")
    Console().print(table)


@app.command("analyze")
def analyze_command(
    file: Path = FileArg,
    out: Path | None = OutOpt,
    keyframes: Path | None = KeyframesOpt,
    keyframe_size: int = SizeOpt,
    strip: Path | None = StripOpt,
    full: bool = FullOpt,
    min_shot: float = MinShotOpt,
) -> None:
    """Analyse FILE: file facts, shots with motion, tone, colour, palette, sharpness and
    descriptor, pacing and keyframes, as JSON (schema docs/schemas/video-analysis.v1.json)."""
    from reelforge.media.video_analysis import analyze_video

    with _progress(f"analysing {file.name}") as tick:
        doc = analyze_video(file, fast=not full, min_shot_s=min_shot, keyframes_dir=keyframes,
                            keyframe_size=keyframe_size, strip_path=strip, on_progress=tick)
    text = json.dumps(doc, indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    pacing = doc["pacing"]
    assert isinstance(pacing, dict)
    Console().print(f"{pacing['shot_count']} shots, {pacing['cuts_per_minute']} cuts/min "
                    f"→ {out}")


@app.command("cluster")
def cluster_command(
    folder: Path = FolderArg,
    as_json: bool = ClusterJsonOpt,
    min_cluster_size: int = MinClusterOpt,
    full: bool = FullOpt,
) -> None:
    """Group similar shots across the videos in FOLDER (HDBSCAN, k-means fallback)."""
    import numpy as np

    from reelforge.media.clustering import cluster_descriptors
    from reelforge.media.shots import detect_shots_in
    from reelforge.media.video_analysis import analysis_document

    files = video_files(folder)
    items: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    with _progress(f"{len(files)} videos") as tick:
        for i, path in enumerate(files):
            try:
                detection = detect_shots_in(path, fast=not full)
                doc = analysis_document(detection)
            except ReelforgeError as exc:
                skipped.append({"path": str(path), "reason": str(exc)})
            else:
                shots = doc["shots"]
                assert isinstance(shots, list)
                for shot in shots:
                    items.append({"path": str(path), "shot": shot["index"],
                                  "start_timecode": shot["start_timecode"],
                                  "duration_s": shot["duration_s"],
                                  "descriptor": shot["descriptor"]})
            tick((i + 1) / max(1, len(files)))
    if not items:
        raise InputError(f"no shot could be analysed in {folder}",
                         hint="; ".join(s["reason"] for s in skipped[:3]) or None)
    result = cluster_descriptors(np.array([it["descriptor"] for it in items]),
                                 min_cluster_size=min_cluster_size)
    groups: dict[int, list[dict[str, Any]]] = {}
    for item, label in zip(items, result.labels.tolist(), strict=True):
        groups.setdefault(int(label), []).append(
            {k: v for k, v in item.items() if k != "descriptor"})
    if as_json:
        json.dump({"folder": str(folder), "method": result.method, "shots": len(items),
                   "groups": [{"label": k, "shots": v} for k, v in sorted(groups.items())],
                   "skipped": skipped}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = Console()
    console.print(f"{len(items)} shots from {len(files) - len(skipped)} videos → "
                  f"{result.k} groups ({result.method}), {len(result.outliers)} unlike the rest")
    for label, members in sorted(groups.items()):
        name = f"group {label}" if label >= 0 else "outliers"
        console.print(f"[bold]{name}[/] ({len(members)} shots)")
        for m in members[:12]:
            console.print(f"  {Path(m['path']).name} shot {m['shot']} at {m['start_timecode']}"
                          f" ({m['duration_s']:.1f} s)")
        if len(members) > 12:
            console.print(f"  … and {len(members) - 12} more (use --json for all)")
    for s in skipped:
        err.print(f"[yellow]skipped[/] {s['path']}: {s['reason']}")


def video_files(folder: Path) -> list[Path]:
    """Video files under ``folder``, sorted; one clear error if there are none."""
    if not folder.exists():
        raise InputError(f"{folder}: no such folder", hint="check the path")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder",
                         hint="use `reelforge video shots FILE` for one video")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES
                   and p.is_file())
    if not files:
        raise InputError(f"no video files in {folder}",
                         hint=f"looked for {', '.join(sorted(VIDEO_SUFFIXES))}")
    return files


def _write_csv(rows: list[dict[str, Any]]) -> None:
    fields = ["index", "start_frame", "end_frame", "frame_count", "start_s", "end_s",
              "duration_s", "start_timecode", "end_timecode", "transition",
              "transition_start_frame", "transition_end_frame", "keyframes"]
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        transition = row["transition"]
        writer.writerow({
            **{k: row[k] for k in fields[:9]},
            "transition": transition["type"],
            "transition_start_frame": transition["start_frame"],
            "transition_end_frame": transition["end_frame"],
            "keyframes": " ".join(row.get("keyframes", [])),
        })


@contextmanager
def _progress(what: str) -> Iterator[Callable[[float], None]]:
    """A transient progress bar on stderr; yields a callback taking a 0..1 fraction."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), console=err,
                  transient=True,
                  disable=not err.is_terminal) as progress:
        task = progress.add_task(what, total=1.0)
        yield lambda fraction: progress.update(task, completed=fraction)
