from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reelforge import __version__
from reelforge.settings import Settings


def test_reelforge_version_prints_the_package_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert __version__ in out.stdout


def _lines_at_80_columns(args: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from typer.testing import CliRunner

    from reelforge.cli.main import app

    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    return lines


def test_voices_table_fits_80_columns_with_every_voice_id_whole(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.providers.registry import offline_voices

    lines = _lines_at_80_columns(["voices"], monkeypatch)
    first_words = {line.split()[0] for line in lines if line.strip()}
    voices = offline_voices(settings)
    assert {v.id for v in voices} <= first_words  # each id whole, at the start of its row
    rows = {line.split()[0]: line.split()[-1] for line in lines if line.strip()}
    assert all(rows[v.id] == v.engine for v in voices)


def test_providers_table_fits_80_columns_with_every_engine_name_whole(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.providers.registry import engine_statuses

    lines = _lines_at_80_columns(["providers", "--no-check"], monkeypatch)
    rows = {tuple(line.split()[:2]) for line in lines if line.strip()}
    assert {(s.capability, s.engine) for s in engine_statuses(settings)} <= rows


def test_compact_table_never_cuts_a_whole_column_however_crowded() -> None:
    from rich.console import Console

    from reelforge.cli.tables import compact_table

    long_id = "espeak:en-gb-scotland+m1-with-a-suffix"
    table = compact_table("id", "description", "notes", whole=("id",))
    table.add_row(long_id, "a long description " * 8, "more words to squeeze " * 4)
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(table)
    text = console.export_text()
    assert long_id in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_compact_table_names_an_unknown_column() -> None:
    from reelforge.cli.tables import compact_table

    with pytest.raises(ValueError, match="idd"):
        compact_table("id", "name", whole=("idd",))


def _start(args: list[str], data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "REELFORGE_DATA_DIR": str(data_dir), "REELFORGE_QUEUE_URL": "",
           "REELFORGE_DATABASE_URL": "", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", "from reelforge.cli.main import run; run()",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _stderr_until(process: subprocess.Popen[str], marker: str, timeout_s: float = 90) -> str:
    """Lines of stderr up to the one holding ``marker`` (fails on exit or timeout)."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    process.kill()
    raise AssertionError(f"no {marker!r} within {timeout_s} s; stderr: {''.join(lines)}")


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_prints_the_api_docs_and_studio_urls_once_listening(tmp_path: Path) -> None:
    server = _start(["serve", "--port", "0"], tmp_path / "data")
    try:
        said = _stderr_until(server, "listening")
        urls = dict(line.rsplit(maxsplit=1)[::-1] for line in said.splitlines()
                    if "http://" in line)
        docs = next(url for url in urls if url.endswith("/docs"))
        assert {u.removeprefix(docs.removesuffix("/docs")) for u in urls} == {"/v1", "/docs", "/"}
        with urllib.request.urlopen(docs, timeout=30) as answer:  # noqa: S310 (loopback)
            assert answer.status == 200  # printed after the socket listens: it answers at once
    finally:
        _stop(server)


def test_worker_says_it_is_ready_and_which_queue_it_serves(tmp_path: Path) -> None:
    worker = _start(["worker"], tmp_path / "data")
    try:
        said = _stderr_until(worker, "worker ready")
        assert f"sqlite queue 'reelforge' at {tmp_path / 'data' / 'queue.db'}" in said
    finally:
        _stop(worker)


def test_a_redis_queue_is_described_without_its_password() -> None:
    from reelforge.cli.worker import describe_queue

    text = describe_queue("redis://:hunter2@10.0.0.5:6380/3", "acme")
    assert text == "redis queue 'acme' at 10.0.0.5:6380/3"


def test_served_urls_show_a_wildcard_host_as_localhost() -> None:
    from reelforge.cli.listening import served_urls

    assert served_urls("0.0.0.0", 8000, tls=True) == {
        "api": "https://localhost:8000/v1", "docs": "https://localhost:8000/docs",
        "studio": "https://localhost:8000/"}
    assert served_urls("::1", 9000, tls=False)["docs"] == "http://[::1]:9000/docs"


def test_jobs_list_fits_80_columns_with_every_job_id_whole(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from reelforge.cli.main import app

    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text("\n".join(json.dumps({"prompt": p, "duration_s": 5})
                                for p in ("Why cats purr at night and in the morning",
                                          "Why dogs dig")))
    queued = CliRunner().invoke(app, ["batch", str(briefs), "--queue", "--tenant", "acme"])
    assert queued.exit_code == 0, queued.output
    lines = _lines_at_80_columns(["jobs", "list", "--tenant", "acme"], monkeypatch)
    assert set(json.loads(queued.stdout)["jobs"]) <= {line.split()[0] for line in lines
                                                      if line.strip()}
