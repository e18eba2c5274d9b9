"""The pipeline's steps, one file each, and the step lists of the job kinds that run them.

To add a step: write ``steps/<name>.py`` with a class that has ``name``, ``progress`` and
``run(job, results)`` (see ``docs/architecture.md``, "Add a step"), then add it to the list of
the job kind that runs it, below. That list is the whole order of the job.
"""

from __future__ import annotations

from reelforge.pipeline.step import Step
from reelforge.pipeline.steps.align import AlignStep
from reelforge.pipeline.steps.analyze import AnalyzeStep
from reelforge.pipeline.steps.assemble import AssembleStep
from reelforge.pipeline.steps.choose_footage import ChooseFootageStep
from reelforge.pipeline.steps.narrate import NarrateStep
from reelforge.pipeline.steps.plan import PlanStep
from reelforge.pipeline.steps.score import ScoreStep
from reelforge.pipeline.steps.visualize import VisualizeStep

#: prompt → finished video: plan → narrate → align → footage → visualize → score → assemble →
#: analyze (footage: the creator's shots chosen per scene; nothing without ``--footage``).
MAKE_STEPS: tuple[Step, ...] = (
    PlanStep(),
    NarrateStep(),
    AlignStep(),
    ChooseFootageStep(),
    VisualizeStep(),
    ScoreStep(),
    AssembleStep(),
    AnalyzeStep(),
)
