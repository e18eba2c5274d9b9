from __future__ import annotations

import pytest

from reelforge.domain import Brief
from reelforge.providers.script.template import TemplateScriptWriter, choose_template, read_prompt
from reelforge.text import count_words


@pytest.mark.parametrize(
    ("prompt", "template"),
    [
        ("Why octopuses are smarter than you think", "explainer"),
        ("5 reasons to learn Rust", "listicle"),
        ("Top 10 mistakes new runners make", "listicle"),
        ("The story of the first lighthouse", "story"),
        ("Introducing our new budgeting app", "promo"),
    ],
)
def test_template_is_chosen_from_the_prompt(prompt: str, template: str) -> None:
    assert choose_template(prompt) == template


def test_question_prompt_reads_subject_and_claim() -> None:
    reading = read_prompt("Why octopuses are smarter than you think")
    assert reading.topic == "octopuses"
    assert reading.question == "Why are octopuses smarter than you think?"
    assert "octopuses" in reading.keywords


@pytest.mark.parametrize("duration", [5, 15, 30, 60, 120, 600])
def test_plan_has_3_to_8_scenes_sized_to_the_duration(duration: float) -> None:
    plan = (
        TemplateScriptWriter().write(Brief(prompt="How volcanoes form", duration_s=duration)).plan
    )
    assert 3 <= len(plan.scenes) <= 8
    words = sum(count_words(s.narration) for s in plan.scenes)
    assert 0.7 * duration * 2.5 <= words <= 1.3 * duration * 2.5 + 10
    for scene in plan.scenes:
        assert scene.visual_prompt and scene.negative_prompt and scene.mood and scene.title
    assert plan.music_brief and plan.hashtags


def test_same_prompt_and_seed_give_the_same_plan_and_another_seed_varies_it() -> None:
    writer = TemplateScriptWriter()
    brief = Brief(prompt="Why bees dance", duration_s=40)
    assert writer.write(brief).plan == writer.write(brief).plan
    other = writer.write(brief.model_copy(update={"seed": 7})).plan
    assert other != writer.write(brief).plan


def test_scenes_do_not_repeat_sentences() -> None:
    plan = TemplateScriptWriter().write(Brief(prompt="Why bees dance", duration_s=40)).plan
    sentences = [s for scene in plan.scenes for s in scene.narration.split(". ")]
    assert len(sentences) == len(set(sentences))
