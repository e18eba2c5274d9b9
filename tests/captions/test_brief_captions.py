"""The caption style is a brief field: checked once, the same way in the CLI and the API."""

from __future__ import annotations

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
