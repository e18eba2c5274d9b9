"""Adding a step is one new file and one line in a job kind's step list — proved with a toy step
(the recipe of docs/architecture.md, "Add a step")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelforge.domain import Brief, JobSpec, Model, Plan
from reelforge.pipeline.runner import JobResult, run_job
from reelforge.pipeline.step import JobRun, Made, MissingResult, Results, StepIdentity
from reelforge.pipeline.steps import MAKE_STEPS
from reelforge.pipeline.steps.narrate import Narrations
from reelforge.settings import Settings


# --- the toy step: what a new file in pipeline/steps/ would hold ------------------------------
class WordCount(Model):
    words: int
    seconds: float


class WordCountStep:
    """Counts the narrated words and writes them beside the video (words.json)."""

    name = "count"
    progress = 0.35
    identity = StepIdentity("word-counter", "1")
    runs = 0

    def run(self, job: JobRun, results: Results) -> None:
        plan, narrations = results.get(Plan), results.get(Narrations)

        def make(folder: Path) -> Made[WordCount]:
            WordCountStep.runs += 1
            count = WordCount(words=sum(len(s.narration.split()) for s in plan.scenes),
                              seconds=sum(n.duration_s for n in narrations.items))
            (folder / "words.json").write_text(count.model_dump_json())
            return Made(count)

        out = job.run_step(self.name, "count", self.identity,
                           [s.narration for s in plan.scenes], WordCount, make,
                           {"words.json": "words.json"})
        results.put(out.result)


BRIEF = Brief(prompt="Why octopuses are smarter than you think", duration_s=14, aspect="9:16",
              voice="joe", emotion="curious", intensity=0.7)  # the spine's `made` brief: cached


@pytest.mark.slow
def test_a_toy_step_added_to_the_list_runs_in_order_is_cached_and_recorded(
        made: JobResult, spine_settings: Settings, tmp_path: Path) -> None:
    steps = (*MAKE_STEPS[:2], WordCountStep(), *MAKE_STEPS[2:])  # the one registration line
    first = run_job(JobSpec(brief=BRIEF), spine_settings, tmp_path, steps=steps)
    again = run_job(JobSpec(brief=BRIEF), spine_settings, tmp_path, steps=steps)

    assert WordCountStep.runs == 1  # the second job took it from the cache
    labels = [s.step for s in first.manifest.steps]
    assert labels.index("count") == labels.index("narrate scene-01") + len(
        [s for s in labels if s.startswith("narrate")])  # after every narrate, before visualize
    count = next(s for s in first.manifest.steps if s.step == "count")
    assert count.engine == "word-counter" and not count.cache_hit
    assert next(s for s in again.manifest.steps if s.step == "count").cache_hit
    written = json.loads((first.job_dir / "words.json").read_text())
    assert written["words"] > 10 and written["seconds"] > 5
    # the rest of the job came from the spine's earlier make: nothing else was redone
    assert all(s.cache_hit for s in first.manifest.steps if s.step != "count")


def test_a_step_that_needs_a_result_no_earlier_step_made_says_which() -> None:
    with pytest.raises(MissingResult, match="no Plan yet"):
        Results().get(Plan)
