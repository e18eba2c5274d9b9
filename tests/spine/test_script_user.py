"""Your own words: ``--script`` narrates the file word for word; ``--draft`` writes the plan in
the same format and round-trips exactly; bad scripts get one clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import reelforge
from reelforge.domain import Brief
from reelforge.errors import InputError, InvalidField
from reelforge.pipeline.steps.plan import draft_plan, write_draft
from reelforge.providers import registry
from reelforge.providers.script.template import TemplateScriptWriter
from reelforge.providers.script.user_script import (
    UserScriptWriter,
    parse_script,
    render_script,
    script_seconds,
)
from reelforge.services.briefs import check_brief, parse_brief
from reelforge.services.estimate import estimate_cost
from reelforge.settings import Settings
from reelforge.text import WORD

SCRIPT = """title: Lisbon on a budget

# The tram
visual: a yellow tram on a steep street at dawn
mood: calm

Ride the 28 tram before 9 a.m. and you have the whole city to yourself.
It costs 3 euros.

# Lunch
- Eat at a **tasca**: the lunch menu costs 12 euros, wine included.

# Sunset
Walk up to the Miradouro da Graça at sunset. It is free.
"""
PLAIN = """Octopuses have nine brains, one in each arm and one in the middle.

They taste what they touch.

visual: an octopus opening a jar

They can open a jar from the inside.
"""


def _words(text: str) -> list[str]:
    return WORD.findall(text)


def test_a_script_is_narrated_word_for_word_scene_by_heading() -> None:
    plan = UserScriptWriter().write(Brief(script=SCRIPT, duration_s=30)).plan
    assert [s.title for s in plan.scenes] == ["The tram", "Lunch", "Sunset"]
    spoken = [w for s in plan.scenes for w in _words(s.narration)]
    written = _words("Ride the 28 tram before 9 a.m. and you have the whole city to yourself. "
                     "It costs 3 euros. Eat at a tasca: the lunch menu costs 12 euros, wine "
                     "included. Walk up to the Miradouro da Graça at sunset. It is free.")
    assert spoken == written
    assert plan.title == "Lisbon on a budget"
    assert plan.scenes[0].visual_prompt == "a yellow tram on a steep street at dawn"
    assert plan.scenes[0].mood == "calm"


def test_a_plain_text_makes_a_scene_per_paragraph_and_visual_lines_join_the_next_words() -> None:
    plan = parse_script(PLAIN)
    assert [s.narration for s in plan.scenes] == [
        "Octopuses have nine brains, one in each arm and one in the middle.",
        "They taste what they touch.", "They can open a jar from the inside."]
    assert plan.scenes[2].visual_prompt == "an octopus opening a jar"


@pytest.mark.parametrize("aspect", ["9:16", "16:9", "1:1"])
def test_a_scene_without_a_visual_line_is_shown_in_the_aspect_asked(aspect: str) -> None:
    plan = parse_script(PLAIN, aspect)
    assert aspect in plan.scenes[0].visual_prompt


def test_the_draft_format_round_trips_exactly() -> None:
    for plan in (parse_script(SCRIPT), TemplateScriptWriter().write(
            Brief(prompt="Why octopuses are smarter than you think", duration_s=40)).plan):
        text = render_script(plan)
        assert parse_script(text) == plan
        assert render_script(parse_script(text)) == text


def test_a_draft_is_written_as_script_md_and_never_overwrites_an_edit(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, script_engine="template")
    brief = Brief(prompt="Why octopuses are smarter than you think", duration_s=20)
    path = write_draft(brief, settings, tmp_path / "out")
    assert path.name == "script.md"
    assert parse_script(path.read_text()) == draft_plan(brief, settings)
    with pytest.raises(InputError, match="already exists"):
        write_draft(brief, settings, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*/narration"))  # it stopped before any narration


def test_a_script_chooses_the_your_script_engine_and_costs_no_llm_call() -> None:
    settings = Settings(_env_file=None, openai_api_key="sk-test", script_engine="auto")
    brief = Brief(script=SCRIPT, duration_s=30)
    assert registry.script_choice(settings, brief) == "your-script"
    assert registry.script_writer(settings, brief).name == "your-script"
    quoted = estimate_cost(brief, settings)
    assert "openai" not in quoted.by_provider
    assert quoted.scenes == 3
    assert brief.prompt == "Lisbon on a budget"  # no prompt needed: the script names it


def test_a_script_with_no_duration_lasts_as_long_as_it_takes_to_say() -> None:
    brief = parse_brief({"script": SCRIPT})
    assert brief.duration_s == pytest.approx(script_seconds(SCRIPT), abs=0.1)
    assert 10 < brief.duration_s < 25


@pytest.mark.parametrize(("script", "message"), [
    ("   \n\n# \n", "has no words"),
    ("# Intro\nvisual: a sea\n\n# Body\nSome words here.", "scene 1 ('Intro') of the script has"),
    ("# One\nTODO: write tip 1 here.", "still says"),
    ("\n\n".join(f"Scene number {i}." for i in range(13)), "13 scenes"),
])
def test_a_script_that_cannot_be_narrated_is_one_clear_error(script: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        UserScriptWriter().write(Brief(script=script, duration_s=60) if WORD.search(script)
                                 else parse_brief({"script": script, "duration_s": 60}))


def test_a_script_too_long_for_the_duration_is_refused_at_the_edge_naming_the_length() -> None:
    brief = Brief(script=SCRIPT * 3, duration_s=10)
    with pytest.raises(InvalidField, match=r"takes about \d+ s to say") as caught:
        check_brief(brief, Settings(_env_file=None))
    assert caught.value.field == "script" and "--duration" in (caught.value.hint or "")


def test_the_api_names_the_script_field_of_a_script_with_no_words() -> None:
    with pytest.raises(InvalidField, match=r"brief\.script") as caught:
        parse_brief({"script": " ... \n\n", "duration_s": 30})
    assert caught.value.field == "script"


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": str(Path(reelforge.__file__).parents[1])}
    return subprocess.run([sys.executable, "-m", "reelforge.cli.main", *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
    (b"caf\xe9 au lait", "is not a UTF-8 text file"),
    (b"\n \n", "has no words"),
])
def test_cli_script_that_is_not_usable_text_is_one_line_exit_2(
        content: bytes, message: str, tmp_path: Path) -> None:
    (tmp_path / "script.md").write_bytes(content)
    result = _cli(["make", "--script", "script.md"], tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_draft_then_script_makes_the_same_plan(tmp_path: Path) -> None:
    result = _cli(["make", "How volcanoes form", "--duration", "20", "--draft"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "offline writer drafts a structure" in result.stderr
    assert "--script" in result.stderr and "--from" in result.stderr
    draft = tmp_path / "out" / "script.md"
    assert draft.is_file() and result.stdout.strip().endswith("script.md")
    plan = parse_script(draft.read_text())
    assert 3 <= len(plan.scenes) <= 8
