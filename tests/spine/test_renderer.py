from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.domain import Scene
from reelforge.providers.base import ClipRequest
from reelforge.providers.video.local import LocalRenderer
from reelforge.providers.video.palette import scene_palette

SCENE = Scene(
    index=0, title="Three hearts", narration="x", visual_prompt="deep ocean water", mood="calm"
)


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("render") / "clip.mp4"
    result = LocalRenderer(scale=0.25).generate(
        ClipRequest(scene=SCENE, width=1080, height=1920, fps=30, duration_s=2.0, seed=3), out
    )
    return out, result


def test_clip_has_the_exact_duration_and_size(clip: tuple[Path, object]) -> None:
    path, result = clip
    frames = _frames(path)
    assert result.fps == 15.0  # type: ignore[attr-defined]  # slow motion needs no more
    assert len(frames) == 30
    assert frames[0].shape == (480, 270, 3)
    assert result.duration_s == 2.0  # type: ignore[attr-defined]


def test_clip_moves_it_is_not_a_still_image(clip: tuple[Path, object]) -> None:
    frames = _frames(clip[0])
    change = np.abs(frames[2].astype(int) - frames[28].astype(int)).mean()
    assert change > 1.0


def test_title_appears_after_its_fade_in(clip: tuple[Path, object]) -> None:
    frames = _frames(clip[0])
    title_band = slice(int(480 * 0.2), int(480 * 0.32))
    bright_late = (frames[25][title_band] > 235).all(axis=2).mean()
    bright_early = (frames[0][title_band] > 235).all(axis=2).mean()
    assert bright_late > 0.01 and bright_late > 3 * bright_early


def test_same_seed_same_pixels(tmp_path: Path) -> None:
    request = ClipRequest(scene=SCENE, width=320, height=320, fps=10, duration_s=1.0, seed=5)
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    LocalRenderer().generate(request, a)
    LocalRenderer().generate(request, b)
    assert all(np.array_equal(x, y) for x, y in zip(_frames(a), _frames(b), strict=True))


def test_palette_follows_mood_and_colour_words() -> None:
    ocean = scene_palette("calm", "the deep ocean", 0)
    fire = scene_palette("calm", "a roaring fire", 0)
    assert ocean != fire
    assert scene_palette("calm", "the deep ocean", 0) == ocean
