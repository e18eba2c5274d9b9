"""analyze: the finished video's shots and looks, stored with the job as analysis.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reelforge.domain import Model
from reelforge.pipeline.step import JobRun, Made, Results, StepIdentity
from reelforge.pipeline.steps.assemble import Rendered

ANALYZER = StepIdentity("video-analysis", "1")


class VideoSummary(Model):
    shots: int


class AnalyzeStep:
    name = "analyze"
    progress = 1.0

    def run(self, job: JobRun, results: Results) -> None:
        rendered = results.get(Rendered)

        def make(folder: Path) -> Made[VideoSummary]:
            from reelforge.media.video_analysis import analyze_video

            document: dict[str, Any] = dict(analyze_video(
                job.dir / "final.mp4", on_progress=lambda f: job.report(self.name, "analyze", f)))
            file_info = document.get("file")
            if isinstance(file_info, dict):
                file_info.pop("path", None)  # a path on the worker means nothing to the reader
            write_json(folder / "analysis.json", document)
            return Made(VideoSummary(shots=len(document.get("shots") or [])))

        out = job.run_step(self.name, "analyze", ANALYZER, {"video": rendered.key},
                           VideoSummary, make, {"analysis.json": "analysis.json"})
        results.put(out.result)


def write_json(path: Path, value: Any) -> None:
    """Whole or not at all: written beside, then renamed into place."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)
