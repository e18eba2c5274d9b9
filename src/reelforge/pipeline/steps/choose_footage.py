"""footage: which of the creator's shots each scene shows (``make --footage``).

The index is searched here, outside the cache (a few milliseconds a scene), and the choice is
cached under what was found: the same brief over the same library re-uses its choices, while a
library that now answers differently chooses again. Without ``--footage`` the step does nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from reelforge.domain import FootageChoice, Model, Plan
from reelforge.library.footage_choice import ChoiceRules, SceneNeed, candidates, choose
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.timeline import narration_durations

CHOOSER = StepIdentity("footage-chooser", "1")


class FootageChoices(Model):
    """Every scene's choice, in scene order (empty: the job uses no footage)."""

    items: list[FootageChoice]

    def for_scene(self, index: int) -> FootageChoice | None:
        return next((c for c in self.items if c.scene_index == index), None)


class ChooseFootageStep:
    name = "footage"
    progress = 0.36

    def run(self, job: JobRun, results: Results) -> None:
        index = getattr(job.engines, "footage", None)
        if index is None:
            results.put(FootageChoices(items=[]))
            return
        plan, narrations = results.get(Plan), results.get(Narrations)
        durations = narration_durations(narrations.items, job.brief.duration_s)
        needs = [SceneNeed(i, scene.narration, scene.visual_prompt, durations[i])
                 for i, scene in enumerate(plan.scenes)]
        rules = ChoiceRules(min_score=job.settings.footage_min_score)
        searched = candidates(needs, index, rules)
        found = [[(c.shot.shot_id, c.shot.source, c.shot.kind, c.shot.start_s, c.shot.end_s,
                   c.shot.width, c.shot.height, c.shot.image_hash, round(c.match.score, 5),
                   c.match.reason) for c in scene] for scene in searched]

        def make(_: Path) -> Made[FootageChoices]:
            return Made(FootageChoices(items=choose(needs, searched, rules)))

        out = job.run_step(self.name, "footage", CHOOSER,
                           {"durations": [round(d, 3) for d in durations], "found": found,
                            "rules": asdict(rules)}, FootageChoices, make)
        results.put(out.result)
