"""The pipeline's steps, one file each, and the step lists of the job kinds that run them.

To add a step: write ``steps/<name>.py`` with a class that has ``name``, ``progress`` and
``run(job, results)`` (see ``docs/architecture.md``, "Add a step"), then add it to the list of
the job kind that runs it, below. That list is the whole order of the job.
"""

from __future__ import annotations

from reelforge.domain import Brief
from reelforge.pipeline.step import Step
from reelforge.pipeline.steps.align import AlignStep
from reelforge.pipeline.steps.analyze import AnalyzeStep
from reelforge.pipeline.steps.assemble import AssembleStep
from reelforge.pipeline.steps.choose_footage import ChooseFootageStep
from reelforge.pipeline.steps.montage import MontageStep
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

#: a montage (``Brief.narration`` False): plan (from the brief, no writer) → score (the music,
#: for the video's length) → montage (the creator's shots cut on its beats) → assemble →
#: analyze. No narrate, align or visualize step: no voice is called.
MONTAGE_STEPS: tuple[Step, ...] = (
    PlanStep(),
    ScoreStep(),
    MontageStep(),
    AssembleStep(),
    AnalyzeStep(),
)


def make_steps(brief: Brief) -> tuple[Step, ...]:
    """The steps a make job runs for ``brief`` (the one place that decides it)."""
    return MAKE_STEPS if brief.narration else MONTAGE_STEPS
