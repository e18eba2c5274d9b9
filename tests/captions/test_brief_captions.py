"""The caption style is a brief field: checked once, the same way in the CLI and the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.domain import Brief
from reelforge.errors import InvalidField
from reelforge.services.briefs import parse_brief


def test_a_brief_captions_in_karaoke_unless_asked_otherwise() -> None:
    assert Brief(prompt="Octopuses").captions == "karaoke"
    assert parse_brief({"prompt": "Octopuses", "captions": " Box "}).captions == "box"


def test_an_unknown_caption_style_is_one_error_naming_the_field_and_the_styles() -> None:
    with pytest.raises(InvalidField) as caught:
        parse_brief({"prompt": "Octopuses", "captions": "neon"})
    assert caught.value.field == "captions"
    assert "brief.captions 'neon'" in caught.value.message
    assert caught.value.hint == "use one of: karaoke, pop, box, classic, none"


def test_the_caption_style_does_not_change_the_script() -> None:
    from reelforge.pipeline.steps.plan import PLAN_FIELDS

    assert "captions" not in PLAN_FIELDS  # a new style re-renders, it does not re-plan


def test_the_studio_form_carries_the_caption_style_into_the_brief() -> None:
    from reelforge.server.web.actions import brief_from

    form = {"prompt": "Why cats purr", "duration_s": "5", "aspect": "1:1", "voice": "joe",
            "emotion": "calm", "intensity": "0.5"}
    assert brief_from({**form, "captions": "pop"})[0].captions == "pop"
    assert brief_from(form)[0].captions == "karaoke"
    with pytest.raises(InvalidField, match="captions"):
        brief_from({**form, "captions": "neon"})


def test_the_studio_create_page_offers_every_caption_style() -> None:
    from reelforge.domain import CAPTION_STYLES
    from reelforge.server.web.pages import DEFAULT_FORM

    assert DEFAULT_FORM["captions"] == "karaoke" and "none" in CAPTION_STYLES
    template = Path(__file__).parents[2] / "src/reelforge/server/web/templates/create.html"
    assert 'name="captions"' in template.read_text()
