from __future__ import annotations

import io
import subprocess
import sys

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
    from reelforge.cli.providers import engine_statuses

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
