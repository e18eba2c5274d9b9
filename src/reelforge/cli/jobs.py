"""`reelforge jobs`: list, show and cancel queued jobs, and run the lease sweep by hand."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table

app = typer.Typer(help="Queued jobs: list, show, cancel, swap a shot, sweep.",
                  no_args_is_help=True)


def _platform():
    from reelforge.jobs.platform import open_platform
    from reelforge.settings import Settings

    return open_platform(Settings())


def _tenant_id(platform, tenant: str) -> int:
    from reelforge.store.tenants import tenant_by_name

    with platform.db.session() as session:
        return tenant_by_name(session, tenant).id


@app.command("list")
def list_command(tenant: str = typer.Option(..., "--tenant"),
                 state: str | None = typer.Option(None, "--state"),
                 limit: int = typer.Option(20, "--limit")) -> None:
    """The tenant's newest jobs."""
    from reelforge.domain import JobSpec
    from reelforge.store.jobs import list_jobs

    platform = _platform()
    tenant_id = _tenant_id(platform, tenant)
    table = compact_table("id", "state", "step", "progress", "created", "prompt",
                          title=f"jobs of {tenant}", whole=("id",))
    with platform.db.session() as session:
        for job in list_jobs(session, tenant_id, state=state, limit=limit):
            prompt = str(JobSpec.of_row(job).summary().get("prompt", ""))
            table.add_row(job.id, job.state, job.step or "", f"{job.progress:.0%}",
                          f"{job.created_at:%Y-%m-%d %H:%M}", prompt[:40])
    Console().print(table)


@app.command("show")
def show(job_id: str, tenant: str = typer.Option(..., "--tenant")) -> None:
    """One job as JSON (the API's shape)."""
    from reelforge.server.schemas import JobOut
    from reelforge.services import jobs as job_service

    platform = _platform()
    job = job_service.get(platform, _tenant_id(platform, tenant), job_id)
    print(json.dumps(JobOut.of(job).model_dump(mode="json"), indent=2))


@app.command("cancel")
def cancel(job_id: str, tenant: str = typer.Option(..., "--tenant")) -> None:
    """Cancel a queued or running job."""
    from reelforge.services import jobs as job_service

    platform = _platform()
    job = job_service.cancel(platform, _tenant_id(platform, tenant), job_id)
    Console(stderr=True).print(f"{job.id}: {job.state}"
                               + (" (cancel requested)" if job.state == "running" else ""))


@app.command("swap")
def swap(job_id: str, scene: int = typer.Argument(..., min=1, help="The scene, from 1"),
         shot_id: str = typer.Argument(..., help="A shot of the tenant's footage library (the "
                                       "scene's candidates are in the job's manifest)"),
         tenant: str = typer.Option(..., "--tenant")) -> None:
    """Re-make a finished video with one scene showing another shot; prints the new job's id.
    Only that scene is rendered again (the API's POST /v1/jobs/{id}/footage/{scene - 1})."""
    from reelforge.services import jobs as job_service

    platform = _platform()
    job = job_service.swap_footage(platform, _tenant_id(platform, tenant), job_id, scene - 1,
                                   shot_id, created_by="cli")
    Console(stderr=True).print(f"scene {scene} of {job_id} swapped: new job {job.id} "
                               f"({job.state})", highlight=False)
    print(job.id)


@app.command("sweep")
def sweep_command() -> None:
    """Re-queue jobs whose worker was lost, and send never-sent ones (workers do this too)."""
    from reelforge.jobs.sweep import sweep

    report = sweep(_platform())
    print(json.dumps(report.__dict__, indent=2))
