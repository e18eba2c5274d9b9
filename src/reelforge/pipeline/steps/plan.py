"""plan: the script writer turns the brief into scenes — or a person's edited plan is used."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Plan
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity

#: The 'script writer' of a plan a person edited (re-run from the studio or the API).
EDITED_PLAN = StepIdentity("edited-plan", "1")
#: The brief's fields a script depends on (voice and emotion change the narration, not the plan).
PLAN_FIELDS = {"prompt", "duration_s", "aspect", "seed", "template", "music_mood"}


class PlanStep:
    name = "plan"
    progress = 0.1

    def run(self, job: JobRun, results: Results) -> None:
        edited = job.spec.plan
        if edited is not None:
            out = job.run_step(self.name, "plan", EDITED_PLAN, edited.model_dump(mode="json"),
                               Plan, lambda _: Made(edited))
        else:
            writer = job.engines.script

            def write(_: Path) -> Made[Plan]:
                written = writer.write(job.brief)
                return Made(written.plan, written.calls)

            out = job.run_step(self.name, "plan", writer,
                               job.brief.model_dump(include=PLAN_FIELDS), Plan, write)
        results.put(out.result)
