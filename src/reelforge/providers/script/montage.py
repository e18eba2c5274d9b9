"""A montage's plan (``Brief.narration`` False): no script is written and nothing is said.

The plan carries what the music is chosen from (the template's music brief and mood, as the
template writer would pick them for the prompt) and one scene naming the prompt, so the score
step and the manifest work as for any video. No writer is called: a montage costs no LLM call.
"""

from __future__ import annotations

from reelforge.domain import Brief, Plan, Scene
from reelforge.providers.base import ScriptResult
from reelforge.providers.script import phrases
from reelforge.providers.script.template import choose_template
from reelforge.settings import Settings

TEMPLATE = "montage"


def montage_plan(brief: Brief) -> Plan:
    """The plan of a montage: the prompt as its title, its music brief, one wordless scene."""
    template = brief.template or choose_template(brief.prompt)
    mood = brief.music_mood or phrases.MOOD_ARCS[template][1]
    title = brief.prompt[:1].upper() + brief.prompt[1:]
    scene = Scene(index=0, title=title, narration=brief.prompt, visual_prompt=brief.prompt,
                  mood=mood)
    return Plan(title=title, template=TEMPLATE, scenes=[scene], mood=mood,
                music_brief=f"{mood}: {phrases.MUSIC_BRIEFS[template]}")


class MontagePlanWriter:
    """ScriptWriter of a montage: the plan above, made from the brief alone."""

    name = "montage-plan"
    version = "1"

    @classmethod
    def from_settings(cls, settings: Settings) -> MontagePlanWriter:
        return cls()

    def write(self, brief: Brief) -> ScriptResult:
        return ScriptResult(plan=montage_plan(brief))
