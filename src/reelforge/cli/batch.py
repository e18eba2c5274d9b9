"""`reelforge batch briefs.jsonl`: many videos, one brief per line, and a per-brief report.

In-process by default (like `make`); `--queue --tenant acme` queues them for the workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from reelforge.errors import InputError, ReelforgeError

if TYPE_CHECKING:
    from reelforge.domain import Brief


@dataclass(frozen=True)
class BriefLine:
    """One line of a batch file: its brief, or why it is not one."""

    number: int
    brief: Brief | None = None
    error: InputError | None = None


def read_briefs(path: Path) -> list[BriefLine]:
    """One JSON brief per line (blank lines and #-comments skipped). A bad line is kept with
    its error, so one bad brief never stops the others; a missing or empty file is an error."""
    from reelforge.services.briefs import parse_brief

    if not path.is_file():
        raise InputError(f"no file {path}", hint="give a .jsonl file, one brief per line")
    lines: list[BriefLine] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            lines.append(BriefLine(number, error=InputError(
                f"{path.name}:{number}: not valid JSON ({exc.msg})",
                hint='write one object per line, e.g. {"prompt": "Why cats purr"}')))
            continue
        try:
            lines.append(BriefLine(number, brief=parse_brief(data,
                                                             where=f"{path.name}:{number}")))
        except InputError as exc:
            lines.append(BriefLine(number, error=exc))
    if not lines:
        raise InputError(f"{path} has no briefs")
    return lines


def batch_command(
    briefs_file: Path = typer.Argument(..., help="JSONL file: one brief per line."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder (default ./out)."),
    queue: bool = typer.Option(False, "--queue", help="Queue for `reelforge worker` instead."),
    tenant: str = typer.Option("local", "--tenant", help="Tenant the queued jobs belong to."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Make a video per brief; one failing brief does not stop the others."""
    from reelforge.settings import Settings

    settings = Settings()
    lines = read_briefs(briefs_file)
    briefs = [line.brief for line in lines if line.brief is not None]
    invalid = [{"line": line.number, "state": "invalid",
                "error": {"code": line.error.code, "message": str(line.error)}}
               for line in lines if line.error is not None]
    if not briefs:  # nothing would run: one clear error, nothing written
        raise InputError(f"no valid brief in {briefs_file}",
                         hint="; ".join(str(line.error) for line in lines[:3]))
    if queue:
        from reelforge.jobs.platform import open_platform
        from reelforge.services.jobs import submit_batch
        from reelforge.store.tenants import get_or_create_tenant

        platform = open_platform(settings)
        with platform.db.session() as session:
            tenant_id = get_or_create_tenant(session, tenant).id
        batch = submit_batch(platform, tenant_id, briefs, created_by="cli")
        print(json.dumps({"batch_id": batch.batch_id, "jobs": [j.id for j in batch.jobs],
                          "invalid": invalid}, indent=2))
        if invalid:
            raise typer.Exit(1)
        return
    from reelforge.pipeline.runner import make_video

    out_dir = out or settings.out_dir
    report: list[dict[str, object]] = []
    console = Console(stderr=True)
    for index, line in enumerate(lines):
        if line.brief is None:
            assert line.error is not None
            console.print(f"[{index + 1}/{len(lines)}] line {line.number}: {line.error}")
            report.append({"index": index, "line": line.number, "state": "failed",
                           "error": {"code": line.error.code, "message": str(line.error)}})
            continue
        brief = line.brief
        console.print(f"[{index + 1}/{len(lines)}] {brief.prompt[:60]}")
        try:
            result = make_video(brief, settings, out_dir)
            report.append({"index": index, "state": "succeeded", "job_id": result.job_id,
                           "video": str(result.job_dir / "final.mp4"),
                           "cost_usd": result.manifest.cost_usd})
        except ReelforgeError as exc:
            report.append({"index": index, "state": "failed",
                           "error": {"code": exc.code, "message": str(exc)}})
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    (Path(out_dir) / "batch-report.json").write_text(json.dumps(report, indent=2))
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        table = Table(title=f"batch {briefs_file.name}")
        for column in ("#", "state", "result"):
            table.add_column(column)
        for row in report:
            error = row.get("error")
            detail = row.get("video") or (error.get("message", "") if isinstance(error, dict)
                                          else "")
            table.add_row(str(row["index"]), str(row["state"]), str(detail))
        Console().print(table)
    if any(row["state"] != "succeeded" for row in report):
        raise typer.Exit(1)
