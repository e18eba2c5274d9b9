"""The CLI starts light: importing it, and every `--help`, loads none of the heavy libraries.

Facts, not timings: each check runs in a fresh interpreter and reads ``sys.modules``. A heavy
import at the top of a CLI module (or an option default computed from one) fails here, naming
the module and the first command whose help pulled it in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Libraries a `--help` must not load: numerics, media, models, database, HTTP, web server,
#: crypto, logging, and pydantic-settings (building Settings is work a help page never needs).
HEAVY = ("numpy", "scipy", "av", "onnxruntime", "faiss", "sqlalchemy", "librosa", "sklearn",
         "httpx", "fastapi", "starlette", "uvicorn", "PIL", "structlog", "cryptography", "huey",
         "psycopg", "redis", "boto3", "pydantic_settings", "jinja2")

SRC = Path(__file__).resolve().parents[1] / "src"

#: Runs in a fresh interpreter: import the CLI, then `--help` every command in turn (root, each
#: group, each subcommand), recording after each step which heavy modules have been loaded.
WALK_HELP = """
import json, sys
heavy = set(sys.argv[1].split(","))

def loaded():
    return sorted({name.split(".")[0] for name in sys.modules} & heavy)

report = {"import": loaded(), "help": []}
import reelforge.cli.main as cli
report["import"] = loaded()
import typer.main
from typer.testing import CliRunner

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):  # a group's commands
        yield from paths(sub, [*prefix, name])

runner = CliRunner()
for path in paths(typer.main.get_command(cli.app), []):
    result = runner.invoke(cli.app, [*path, "--help"])
    report["help"].append({"command": path, "exit_code": result.exit_code,
                           "usage": "Usage:" in result.output, "heavy": loaded()})
print(json.dumps(report))
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def help_walk() -> dict[str, object]:
    done = _run(WALK_HELP, ",".join(HEAVY))
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = "import sys, reelforge.cli.main; print('\\n'.join(sorted(sys.modules)))"
    done = _run(code)
    assert done.returncode == 0, done.stderr
    roots = {name.split(".")[0] for name in done.stdout.split()}
    assert "reelforge" in roots
    assert sorted(roots & set(HEAVY)) == []


def test_every_help_page_loads_no_heavy_library(help_walk: dict[str, object]) -> None:
    pages = help_walk["help"]
    assert isinstance(pages, list)
    first_heavy = next((p for p in pages if p["heavy"]), None)
    assert first_heavy is None, (f"`{' '.join(['reelforge', *first_heavy['command']])} --help` "
                                 f"loaded {first_heavy['heavy']}")


def test_the_help_walk_covers_every_group_and_subcommand(
        help_walk: dict[str, object]) -> None:
    pages = help_walk["help"]
    assert isinstance(pages, list)
    commands = {" ".join(p["command"]) for p in pages}
    assert {"", "make", "voices", "providers", "serve", "worker", "usage", "batch", "video",
            "video shots", "video analyze", "video cluster", "images dedupe", "songs search",
            "fakes serve", "keys create", "secrets set", "jobs list"} <= commands
    assert all(p["exit_code"] == 0 and p["usage"] for p in pages), [
        p["command"] for p in pages if p["exit_code"] != 0 or not p["usage"]]


def test_reelforge_help_as_a_user_runs_it_lists_every_command() -> None:
    done = _run("from reelforge.cli.main import run; run()", "--help")
    assert done.returncode == 0, done.stderr
    for command in ("make", "voices", "video", "images", "songs", "fakes", "providers", "serve",
                    "worker", "keys", "secrets", "usage", "jobs", "batch"):
        assert f" {command} " in done.stdout


def test_help_still_lists_the_choices_it_offers() -> None:
    """Choices moved to light constants must still reach the help text."""
    from reelforge.cli.brief_choices import EMOTIONS
    from reelforge.security.secret_names import PROVIDER_SECRETS

    make_help = _run("from reelforge.cli.main import run; run()", "make", "--help").stdout
    assert all(emotion in make_help for emotion in EMOTIONS)
    secrets_help = _run("from reelforge.cli.main import run; run()", "secrets", "set", "--help")
    assert all(name in secrets_help.stdout for name in PROVIDER_SECRETS)


def test_the_light_brief_choices_equal_the_domain_ones() -> None:
    """The help text's copy of the brief's choices may not drift from what ``domain`` checks."""
    from reelforge import domain
    from reelforge.cli import brief_choices

    for name in ("ASPECT_SIZES", "EMOTIONS", "MOODS", "MIN_DURATION_S", "MAX_DURATION_S",
                 "MAX_PROMPT_CHARS"):
        assert getattr(brief_choices, name) == getattr(domain, name), name
