"""The part of a shot a scene shows: its steadiest, sharpest window, never across a cut."""

from __future__ import annotations

import numpy as np

from reelforge.library.footage import FootageMatch, FootageShot
from reelforge.library.footage_analyse import profile_extra
from reelforge.library.footage_choice import (
    ChoiceRules,
    SceneNeed,
    ShotProfile,
    choose_footage,
    choose_segment,
    segment,
    steadiest_window,
)
from reelforge.library.footage_montage import cut_montage


def _shot(motion: list[float], sharpness: list[float] | None = None, *, start_s: float = 10.0,
          name: str = "s") -> FootageShot:
    """A video shot of 0.5 s steps, starting at ``start_s`` of its file."""
    sharp = sharpness or [0.8] * len(motion)
    profile = {"step_s": 0.5, "motion": motion, "sharpness": sharp}
    return FootageShot(shot_id=name, source=f"/f/{name}.mp4", kind="video", start_s=start_s,
                       end_s=start_s + 0.5 * len(motion), width=160, height=90,
                       description=name, extra={"profile": profile})


SHAKY_THEN_STEADY = [0.9, 0.8, 0.95, 0.85, 0.9, 0.8, 0.9, 0.85,  # 0–4 s: handheld
                     0.05, 0.04, 0.06, 0.05, 0.04, 0.05, 0.06, 0.05]  # 4–8 s: on a tripod


def test_a_shot_shaky_then_steady_gives_a_window_in_its_steady_second_half() -> None:
    shot = _shot(SHAKY_THEN_STEADY)
    start, end = segment(shot, 3.0)
    assert start >= 14.0 and end <= shot.end_s - 0.1 + 1e-9  # inside the steady half, clear
    assert round(end - start, 3) == 3.0  # of the cut at its end
    part = choose_segment(shot, 3.0)
    assert "steadiest" in part.why and "the middle: motion" in part.why


def test_the_window_follows_the_steady_part_wherever_it_is() -> None:
    steady_first = _shot(SHAKY_THEN_STEADY[::-1])
    start, end = segment(steady_first, 3.0)
    assert start >= steady_first.start_s + 0.1 - 1e-9 and end <= steady_first.start_s + 4.0
    # a steady stretch in the middle of two shaky ones
    middle = _shot([0.9] * 4 + [0.05] * 6 + [0.9] * 6)
    start, end = segment(middle, 2.5)
    assert start >= 12.0 and end <= 15.0


def test_sharpness_decides_between_equally_steady_windows() -> None:
    blurry_then_sharp = _shot([0.1] * 16, [0.1] * 8 + [0.9] * 8)
    start, _ = segment(blurry_then_sharp, 3.0)
    assert start >= 13.9  # the sharp half (a blur this mild is a near-tie within 0.1 s)


def test_an_even_shot_or_one_without_a_profile_keeps_its_middle() -> None:
    even = _shot([0.2] * 16)
    assert segment(even, 3.0) == (12.5, 15.5)
    assert "its middle, as steady as any part" in choose_segment(even, 3.0).why
    bare = FootageShot(shot_id="b", source="/f/b.mp4", kind="video", start_s=2.0, end_s=6.0,
                       width=160, height=90, description="b")
    assert segment(bare, 3.0) == (2.5, 5.5)
    assert "no steadiness measured" in choose_segment(bare, 3.0).why


def test_the_window_never_leaves_the_shot_even_when_its_edges_are_steadiest() -> None:
    edges = _shot([0.0] + [0.9] * 14 + [0.0])
    for need in (1.0, 3.0, 7.79):
        start, end = segment(edges, need)
        assert edges.start_s + 0.1 - 1e-9 <= start and end <= edges.end_s - 0.1 + 1e-9
    assert segment(edges, 9.0) == (edges.start_s, edges.end_s)  # too short: whole, no more


def test_steadiest_window_is_pure_and_measured_from_the_shot_start() -> None:
    profile = ShotProfile(0.5, tuple(SHAKY_THEN_STEADY), tuple([0.8] * 16))
    assert 4.0 <= steadiest_window(profile, 8.0, 3.0) <= 4.9


def test_the_manifest_choice_says_which_part_and_why() -> None:
    shot = _shot(SHAKY_THEN_STEADY)
    need = SceneNeed(0, "a tripod shot", "", 3.0)

    class _One:
        def __len__(self) -> int:
            return 1

        def search(self, text, k=10, *, kind=None, min_duration_s=0.0):
            return [FootageMatch(shot, 0.6, "fixed")]

    choice = choose_footage([need], _One(), ChoiceRules())[0]
    assert choice.shot is not None and choice.shot.start_s >= 14.0
    assert choice.shot.part.startswith(f"{choice.shot.start_s - 10:.1f}–")
    assert "steadiest, sharpest 3.0 s" in choice.reason


def test_a_montage_cut_takes_the_steady_part_of_its_shot_too() -> None:
    shot = _shot(SHAKY_THEN_STEADY)
    montage = cut_montage([FootageMatch(shot, 0.6, "fixed")], [0.0, 1.0, 2.0], 2.0, 10)
    cut = montage.cuts[0]
    assert cut.shot.start_s >= 14.0 and "steadiest" in cut.shot.part


def test_indexing_stores_a_compact_profile() -> None:
    stored = profile_extra(0.5, [40.0, 1.0], [300.0, 10.0])["profile"]
    assert stored == {"step_s": 0.5, "motion": [1.0, 0.05], "sharpness": [0.75, 0.09]}
    assert profile_extra(0.5, [], []) == {}


def test_an_indexed_clip_shaky_then_still_is_shown_from_its_still_half(tmp_path) -> None:
    """End to end on real pixels: indexing measures the profile, the chooser reads it."""
    import av

    from reelforge.library.footage_analyse import FileTask, analyse_file

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:130, 0:200]
    texture = np.clip(np.stack([120 + 80 * np.sin(xx / 9.0), 120 + 80 * np.cos(yy / 7.0),
                                120 + 60 * np.sin((xx + yy) / 11.0)], -1), 0, 255)
    texture = texture.astype(np.uint8)
    path = tmp_path / "handheld_then_tripod.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for i in range(60):  # 3 s shaken by up to 6 px a frame, then 3 s still
            dx, dy = rng.integers(-6, 7, 2) if i < 30 else (0, 0)
            rgb = np.ascontiguousarray(texture[20 + dy: 110 + dy, 20 + dx: 180 + dx])
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    result = analyse_file(FileTask(path, None, "ab" * 32, False, None))
    assert not result.problem and len(result.shots) == 1
    shot = result.shots[0]
    profile = ShotProfile.of(shot)
    assert profile is not None and len(profile.motion) == 12
    assert min(profile.motion[:6]) > 0.3 and max(profile.motion[7:]) < 0.05
    start, end = segment(shot, 2.0)
    assert start >= 3.0 - 0.1 and end <= shot.end_s - 0.1 + 1e-9  # the still half
