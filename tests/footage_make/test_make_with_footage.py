"""``make --footage`` end to end (offline engines): the scenes show the right shots, a scene
nothing matches is drawn by the renderer, the manifest names every choice, a re-run re-uses
them, and another choice for one scene re-renders that scene only."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.domain import Brief
from reelforge.library.footage import FootageShot
from reelforge.pipeline.runner import make_video
from reelforge.settings import Settings

from .labelled import index_of

pytestmark = pytest.mark.slow

SCRIPT = """title: A week by the sea

# The shore
visual: dog on the beach
Every evening our puppy sprints along the shore.

# Breakfast
visual: coffee cup
Nothing starts the day like a fresh hot brew.

# Paperwork
visual: tax forms and a calculator
Quarterly tax filings are due before April.
"""


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", out_dir=tmp_path / "out",
                    script_engine="template", video_engine="local", music_engine="builtin",
                    fps=15)


def _brief() -> Brief:
    return Brief(script=SCRIPT, duration_s=10, aspect="16:9", captions="none")


def _mean_colour(clip: Path) -> np.ndarray:
    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return frame[:4, :4].reshape(-1, 3).mean(axis=0)


def _visualize_hits(manifest) -> dict[str, bool]:
    return {s.step: s.cache_hit for s in manifest.steps if s.step.startswith("visualize")}


def test_make_with_footage_shows_the_chosen_shots_and_records_them(
        library: list[FootageShot], encode, offline: Settings) -> None:
    index = index_of(library, encode)
    first = make_video(_brief(), offline, footage=index)
    m = first.manifest
    assert [c.scene_index for c in m.footage] == [0, 1, 2]
    dog, coffee, tax = m.footage
    assert Path(dog.shot.source).name == "beach.mp4" and dog.treatment in ("cut", "slow")
    assert dog.shot.end_s <= 4.0  # inside the first shot of beach.mp4, never across its cut
    assert Path(coffee.shot.source).name == "coffee.jpg" and coffee.treatment == "ken-burns"
    assert tax.shot is None and "below" in tax.reason  # the renderer draws it
    assert all(c.reason and c.runner_up is not None for c in (dog, coffee))
    engines = {s.step: s.engine for s in m.steps if s.step.startswith("visualize")}
    assert engines == {"visualize scene-01": "footage", "visualize scene-02": "footage",
                       "visualize scene-03": "local-renderer"}
    written = json.loads((first.job_dir / "manifest.json").read_text())
    assert written["footage"][0]["shot"]["source"] == dog.shot.source
    assert written["footage"][0]["shot"]["start_s"] == dog.shot.start_s
    # the clip is the shot: the beach's orange, not a renderer's gradient
    assert np.allclose(_mean_colour(first.job_dir / "clips/scene-01.mp4"), (230, 160, 60),
                       atol=25)
    with av.open(str(first.job_dir / "final.mp4")) as container:
        assert abs(container.duration / 1e6 - m.duration_s) < 0.5

    again = make_video(_brief(), offline, footage=index_of(library, encode))
    assert again.manifest.footage == m.footage  # the choices re-used (the footage step hit)
    assert all(s.cache_hit for s in again.manifest.steps if s.step in ("footage", "assemble"))
    assert all(_visualize_hits(again.manifest).values())

    # another shot for the breakfast (the coffee picture replaced by a look-alike file):
    # only that scene is rendered again
    coffee_shot = next(s for s in library if s.source.endswith("coffee.jpg"))
    tea = replace(coffee_shot, shot_id="another-file#0",
                  description="a steaming cup of coffee on a table by the window")
    others = [s for s in library if s is not coffee_shot]
    third = make_video(_brief(), offline, footage=index_of([*others, tea], encode))
    assert third.manifest.footage[1].shot.shot_id == "another-file#0"
    assert _visualize_hits(third.manifest) == {"visualize scene-01": True,
                                               "visualize scene-02": False,
                                               "visualize scene-03": True}
