"""The offline template writer keeps the prompt as written and never promises what it cannot
give."""

from __future__ import annotations

import pytest

from reelforge.domain import Brief
from reelforge.errors import ScriptNeedsContent
from reelforge.providers.script.template import TemplateScriptWriter, read_prompt
from reelforge.services.briefs import check_brief
from reelforge.settings import Settings
from reelforge.text import WORD


def _plan(prompt: str, **fields: object):  # type: ignore[no-untyped-def]
    return TemplateScriptWriter().write(Brief(prompt=prompt, **fields)).plan  # type: ignore[arg-type]


@pytest.mark.parametrize("prompt", [
    "How the 1755 earthquake reshaped Lisbon in 10 years",
    "The story of my grandmother's 1962 Vespa",
    "How GPS satellites keep time to 20 nanoseconds",
])
def test_the_topic_keeps_every_word_and_number_of_the_prompt(prompt: str) -> None:
    plan = _plan(prompt)
    assert plan.title == prompt
    assert plan.scenes[0].title == prompt
    said = " ".join(s.narration for s in plan.scenes)
    for number in ("1755", "10", "1962", "20"):
        if number in prompt:
            assert number in WORD.findall(said) or number in plan.title


def test_casing_is_kept_as_written_never_title_cased() -> None:
    plan = _plan("My Grandmother's GPS and the 1955 road trip")
    assert plan.title == "My Grandmother's GPS and the 1955 road trip"
    text = " ".join([plan.title] + [s.title + " " + s.narration for s in plan.scenes])
    assert "Grandmother'S" not in text and "Gps" not in text


def test_a_question_prompt_keeps_its_claim() -> None:
    reading = read_prompt("Why octopuses are smarter than you think")
    assert reading.topic == "octopuses"
    assert reading.question == "Why are octopuses smarter than you think?"


@pytest.mark.parametrize("prompt", ["5 budget travel tips for Lisbon in autumn",
                                    "Top 10 mistakes new runners make",
                                    "Seven habits of calm people"])
def test_a_list_it_cannot_know_is_declined_with_the_numbered_scenes_as_a_draft(
        prompt: str) -> None:
    with pytest.raises(ScriptNeedsContent, match="cannot know") as caught:
        _plan(prompt)
    assert "--draft" in (caught.value.hint or "")
    draft = caught.value.draft
    count = read_prompt(prompt).count
    items = [s for s in draft.scenes if s.narration.startswith("TODO:")]
    assert len(items) == count
    assert [s.title.split()[-1] for s in items] == [str(n) for n in range(1, count + 1)]
    assert draft.scenes[0].title == prompt[:1].upper() + prompt[1:]


def test_the_edge_refuses_the_list_before_anything_is_queued_unless_drafting() -> None:
    brief = Brief(prompt="5 budget travel tips for Lisbon in autumn")
    settings = Settings(_env_file=None, script_engine="template")
    with pytest.raises(ScriptNeedsContent):
        check_brief(brief, settings)
    check_brief(brief, settings, drafting=True)


@pytest.mark.parametrize(("aspect", "frame"), [("9:16", "vertical"), ("16:9", "wide"),
                                               ("1:1", "square")])
def test_visual_prompts_follow_the_aspect_asked(aspect: str, frame: str) -> None:
    plan = _plan("How volcanoes form", aspect=aspect)
    assert all(f"{frame} {aspect} frame" in s.visual_prompt for s in plan.scenes)
    assert not any("vertical" in s.visual_prompt for s in plan.scenes) or aspect == "9:16"
