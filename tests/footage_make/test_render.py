"""A chosen shot rendered as a scene clip: the right seconds, the right size, the exact length."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.domain import FootageChoice, FootagePick, Scene
from reelforge.library.footage import FootageShot
from reelforge.providers.base import ClipRequest
from reelforge.providers.video.footage import FootageVideo, framing

FPS = 10


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _shot(library: list[FootageShot], prefix: str) -> FootageShot:
    return next(s for s in library if s.description.startswith(prefix))


def _choice(shot: FootageShot, start: float, end: float, treatment: str = "cut",
            speed: float = 1.0) -> FootageChoice:
    pick = FootagePick(shot_id=shot.shot_id, source=shot.source, kind=shot.kind, start_s=start,
                       end_s=end, width=shot.width, height=shot.height, score=0.5)
    return FootageChoice(scene_index=0, shot=pick, treatment=treatment, speed=speed)


def _render(choice: FootageChoice, tmp_path: Path, seconds: float, size=(1080, 1080),
            index: int = 0) -> tuple[Path, object]:
    scene = Scene(index=index, title="t", narration="n", visual_prompt="v")
    request = ClipRequest(scene=scene, width=size[0], height=size[1], fps=FPS,
                          duration_s=seconds)
    out = tmp_path / "clip.mp4"
    return out, FootageVideo(choice).generate(request, out)


def _near(pixel: np.ndarray, colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - colour) <= tolerance))


def test_crop_and_fill_sizes_follow_the_source_and_never_exceed_the_target() -> None:
    assert framing(1920, 1080, 1080, 1080) == framing(1920, 1080, 1080, 1080)
    crop = framing(1920, 1080, 1080, 1080)  # 16:9 → 1:1 keeps 56 %: crop
    assert (crop.width, crop.height, crop.fill) == (1080, 1080, False)
    fill = framing(1920, 1080, 1080, 1920)  # 16:9 → 9:16 would keep 32 %: blurred fill
    assert fill.fill and (fill.width, fill.height) == (1080, 1920)
    small = framing(160, 90, 1080, 1920)
    assert small.fill and (small.width, small.height) == (160, 284)  # no empty upscaling
    assert not framing(1080, 1440, 1080, 1920).fill  # 3:4 → 9:16 keeps 75 %


def test_a_segment_shows_only_its_own_shot_at_the_exact_length(library, tmp_path) -> None:
    surf = _shot(library, "surfers")  # the second shot of beach.mp4 (blue), after a cut
    out, made = _render(_choice(surf, surf.start_s + 0.3, surf.start_s + 2.3), tmp_path, 2.0)
    frames = _frames(out)
    assert len(frames) == 20 and made.duration_s == pytest.approx(2.0)
    assert (made.width, made.height) == (90, 90)  # cropped 16:9 → 1:1 at the source's height
    corner = [f[2, 2] for f in frames]  # the moving bar never reaches the corner for long
    assert sum(_near(p, (40, 90, 200)) for p in corner) >= 18  # blue, never the orange shot


def test_a_wide_shot_in_a_tall_frame_is_filled_over_a_blur(library, tmp_path) -> None:
    city = _shot(library, "city traffic")  # magenta
    out, made = _render(_choice(city, 0.2, 2.2), tmp_path, 2.0, size=(1080, 1920))
    frame = _frames(out)[5]
    assert (made.width, made.height) == (160, 284)
    assert _near(frame[142, 2], (200, 30, 160), 30)  # the whole frame in the middle band
    top = frame[5, 80].astype(int)  # above it: the blurred copy, darker, not black
    assert top.sum() > 120 and not _near(frame[5, 80], (0, 0, 0), 20)


def test_a_slowed_shot_lasts_the_scene_exactly(library, tmp_path) -> None:
    chef = _shot(library, "a chef")
    out, made = _render(_choice(chef, 0.1, 2.1, "slow", speed=0.8), tmp_path, 2.5)
    assert len(_frames(out)) == 25 and made.duration_s == pytest.approx(2.5)


def test_a_looped_shot_repeats_itself_to_the_scene_length(library, tmp_path) -> None:
    chef = _shot(library, "a chef")
    out, _ = _render(_choice(chef, 0.0, 1.0, "loop"), tmp_path, 3.2)
    frames = _frames(out)
    assert len(frames) == 32
    assert np.abs(frames[3].astype(int) - frames[13].astype(int)).mean() < 4  # one loop later
    assert np.abs(frames[3].astype(int) - frames[8].astype(int)).mean() > 4  # it does move


def test_a_picture_moves_slowly_for_as_long_as_asked(library, tmp_path) -> None:
    coffee = _shot(library, "a steaming cup")
    out, made = _render(_choice(coffee, 0.0, 0.0, "ken-burns"), tmp_path, 3.0)
    frames = _frames(out)
    assert len(frames) == 30 and made.duration_s == pytest.approx(3.0)
    first, last = frames[0].astype(int), frames[-1].astype(int)
    assert np.abs(first - last).mean() > 2  # zoomed: the inverted square grew
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() < 6  # slowly
