"""Swapping one scene's shot (``Brief.footage_swaps``): that scene is rendered again, every
other scene's clip comes from the cache, and the manifest names the picked shot, what it
replaced, and the candidates a swap may offer."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.domain import Brief
from reelforge.errors import InputError
from reelforge.library.footage import FootageShot
from reelforge.pipeline.runner import make_video
from reelforge.settings import Settings

from .labelled import index_of
from .test_make_with_footage import SCRIPT, _visualize_hits

pytestmark = pytest.mark.slow


def _brief(**swaps: str) -> Brief:
    return Brief(script=SCRIPT, duration_s=10, aspect="16:9", captions="none",
                 footage="library", footage_swaps={int(k[1:]): v for k, v in swaps.items()})


def test_a_swap_re_renders_only_its_scene_and_the_manifest_names_the_picked_shot(
        library: list[FootageShot], encode, tmp_path: Path) -> None:
    offline = Settings(_env_file=None, data_dir=tmp_path / "data", out_dir=tmp_path / "out",
                       script_engine="template", video_engine="local", music_engine="builtin",
                       fps=15)
    index = index_of(library, encode)
    first = make_video(_brief(), offline, footage=index).manifest
    beach = first.footage[0]
    assert beach.shot is not None and not beach.swapped
    offered = [c.shot_id for c in beach.candidates]
    shown = {c.shot.shot_id for c in first.footage if c.shot is not None}
    assert offered and not shown & set(offered)  # no shot another scene shows is offered
    other = beach.candidates[0]

    second = make_video(_brief(s0=other.shot_id), offline, footage=index).manifest
    assert _visualize_hits(second) == {"visualize scene-01": False, "visualize scene-02": True,
                                       "visualize scene-03": True}
    swapped = second.footage[0]
    assert swapped.shot is not None and swapped.shot.shot_id == other.shot_id
    assert swapped.swapped and swapped.reason.startswith("picked by you instead of beach.mp4")
    assert swapped.runner_up == beach.shot  # what it replaced
    assert beach.shot.shot_id in [c.shot_id for c in swapped.candidates]  # swap back
    assert second.footage[1] == first.footage[1].model_copy(update={
        "candidates": second.footage[1].candidates})

    # a scene nothing matched (drawn by the renderer) can be given a shot too
    third = make_video(_brief(s0=other.shot_id, s2=offered[-1]), offline,
                       footage=index).manifest
    assert third.footage[2].shot is not None and third.footage[2].shot.shot_id == offered[-1]
    assert "instead of the video engine" in third.footage[2].reason
    assert _visualize_hits(third) == {"visualize scene-01": True, "visualize scene-02": True,
                                      "visualize scene-03": False}

    with pytest.raises(InputError, match="not in the footage library"):
        make_video(_brief(s1="0000000000000000#9"), offline, footage=index)
    with pytest.raises(InputError, match="a shot is used once"):
        make_video(_brief(s0=other.shot_id, s2=other.shot_id), offline, footage=index)
    with pytest.raises(InputError, match="plan has 3 scenes"):
        make_video(_brief(s7=other.shot_id), offline, footage=index)


def test_a_brief_swaps_only_with_footage_and_only_real_shot_ids() -> None:
    with pytest.raises(ValueError, match="needs footage"):
        Brief(prompt="x", footage_swaps={0: "abc#0"})
    with pytest.raises(ValueError, match="is not a shot id"):
        Brief(prompt="x", footage="library", footage_swaps={0: "a b"})
    with pytest.raises(ValueError, match="is not a scene"):
        Brief(prompt="x", footage="library", footage_swaps={-1: "abc#0"})
    assert Brief.model_validate({"prompt": "x", "footage": "library",
                                 "footage_swaps": {"2": "abc#1"}}).footage_swaps == {2: "abc#1"}
