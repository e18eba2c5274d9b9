"""plan: the script writer turns the brief into scenes — or a person's edited plan is used.

``write_draft`` is the same writer stopped here: the plan as an editable ``script.md``
(``reelforge make --draft``), read back by ``--script``.
"""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Brief, Plan
from reelforge.errors import InputError, ScriptNeedsContent
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.providers import registry
from reelforge.providers.script.user_script import render_script
from reelforge.settings import Settings

#: The 'script writer' of a plan a person edited (re-run from the studio or the API).
EDITED_PLAN = StepIdentity("edited-plan", "1")
#: The brief's fields a script depends on (the voice changes the narration, not the plan; the
#: emotion and its intensity change the pace the script is sized to).
PLAN_FIELDS = {"prompt", "duration_s", "aspect", "seed", "template", "music_mood", "emotion",
               "intensity", "script", "source_text"}
DRAFT_NAME = "script.md"


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


def draft_plan(brief: Brief, settings: Settings) -> Plan:
    """The plan the brief's writer makes; a writer that declines for want of content (a list
    the offline writer cannot know) gives its draft of scenes to fill instead."""
    try:
        return registry.script_writer(settings, brief).write(brief).plan
    except ScriptNeedsContent as exc:
        draft: Plan = exc.draft
        return draft


def write_draft(brief: Brief, settings: Settings, out_dir: Path) -> Path:
    """Write the brief's plan as ``out_dir/script.md`` and stop before any narration. An
    existing script.md is never overwritten (it may hold a person's edits)."""
    path = out_dir / DRAFT_NAME
    if path.exists():
        raise InputError(f"{path} already exists",
                         hint=f"make it with --script {path}, or move it away to draft again")
    plan = draft_plan(brief, settings)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(render_script(plan), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}",
                         hint="choose another folder with --out") from exc
    return path
