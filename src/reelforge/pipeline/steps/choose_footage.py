"""footage: which of the creator's shots each scene shows (``make --footage``).

The index is searched here, outside the cache (a few milliseconds a scene), and the choice is
cached under what was found: the same brief over the same library re-uses its choices, while a
library that now answers differently chooses again. Without ``--footage`` the step does nothing.

A shot the creator picked for a scene (``Brief.footage_swaps``) replaces the chooser's pick for
that scene only; every other scene keeps its choice, so visualize re-renders only that scene.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from reelforge.domain import FootageChoice, Model, Plan
from reelforge.errors import InputError
from reelforge.library.footage import FootageIndex, FootageShot
from reelforge.library.footage_choice import (
    ChoiceRules,
    SceneNeed,
    candidates,
    choose,
    offer_candidates,
    swap,
)
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.pipeline.timeline import narration_durations

# 2: colours and light agree with the scene; 3: the steadiest part of a shot, a picture's focus
CHOOSER = StepIdentity("footage-chooser", "3")


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
        needs = [SceneNeed(i, scene.narration, scene.visual_prompt, durations[i], scene.mood)
                 for i, scene in enumerate(plan.scenes)]
        rules = ChoiceRules(min_score=job.settings.footage_min_score)
        searched = candidates(needs, index, rules)
        found = [[(c.shot.shot_id, c.shot.source, c.shot.kind, c.shot.start_s, c.shot.end_s,
                   c.shot.width, c.shot.height, c.shot.image_hash, round(c.match.score, 5),
                   c.match.reason) for c in scene] for scene in searched]

        swaps = swapped_shots(job.brief.footage_swaps, index, len(needs))

        def make(_: Path) -> Made[FootageChoices]:
            chosen = choose(needs, searched, rules)
            for i, shot in swaps.items():
                chosen[i] = swap(chosen[i], needs[i], shot, searched[i])
            return Made(FootageChoices(items=offer_candidates(chosen, needs, searched)))

        inputs = {"durations": [round(d, 3) for d in durations], "found": found,
                  "rules": asdict(rules), "moods": [n.mood for n in needs],
                  "looks": [[(c.shot.colours, round(c.shot.brightness, 3)) for c in scene]
                            for scene in searched],
                  "parts": [[(c.shot.extra.get("profile"), c.shot.extra.get("focus"))
                             for c in scene] for scene in searched]}
        if swaps:  # only then: a job without swaps keeps its earlier key
            inputs["swaps"] = {str(i): (s.shot_id, s.source, s.start_s, s.end_s)
                               for i, s in swaps.items()}
        out = job.run_step(self.name, "footage", CHOOSER, inputs, FootageChoices, make)
        results.put(out.result)


def swapped_shots(swaps: dict[int, str], index: FootageIndex,
                  scenes: int) -> dict[int, FootageShot]:
    """The shots the creator picked, by scene; an InputError for a scene the plan lacks or a
    shot the library lacks."""
    found: dict[int, FootageShot] = {}
    for i, shot_id in sorted(swaps.items()):
        if i >= scenes:
            raise InputError(f"footage_swaps names scene index {i} (scene {i + 1}), but the "
                             f"plan has {scenes} scenes (index 0 to {scenes - 1})",
                             hint="use the scene_index of the manifest's footage list "
                                  "(--swap counts scenes from 1)")
        shot = index.shot(shot_id)
        if shot is None:
            raise InputError(f"footage_swaps: shot {shot_id!r} (scene index {i}) is not in the "
                             "footage library",
                             hint="pick one of the scene's candidates in the manifest, or a "
                                  "shot id from `reelforge footage search`")
        twice = next((j for j, other in found.items() if other.shot_id == shot_id), None)
        if twice is not None:
            raise InputError(f"footage_swaps puts shot {shot_id!r} in scene index {twice} and "
                             f"{i}; a shot is used once in a video",
                             hint="pick another shot for one of them")
        found[i] = shot
    return found
