"""Near-duplicate groups: transformed copies join their original, different pictures do not."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageEnhance

from reelforge.media.dedupe import find_duplicate_groups
from reelforge.media.image_batch import analyze_folder
from reelforge.settings import Settings

from .conftest import blurred, scene

Save = Callable[..., Path]


def _copies(original: Image.Image) -> dict[str, tuple[Image.Image, int]]:
    w, h = original.size
    angle = 2.5
    margin = math.sin(math.radians(angle))
    rotated = original.rotate(angle, resample=Image.Resampling.BICUBIC).crop(
        (round(h * margin), round(w * margin), w - round(h * margin), h - round(w * margin)))
    return {
        "resized.jpg": (original.resize((w // 3, h // 3), Image.Resampling.LANCZOS), 90),
        "quality30.jpg": (original, 30),
        "cropped.jpg": (original.crop((0, round(h * 0.08), round(w * 0.92), h)), 85),
        "darker.jpg": (ImageEnhance.Brightness(original).enhance(0.8), 90),
        "brighter.jpg": (ImageEnhance.Brightness(original).enhance(1.2), 90),
        "rotated.jpg": (rotated, 90),
    }


def _hue_rotated(image: Image.Image) -> Image.Image:
    h, s, v = image.convert("HSV").split()
    h = h.point(lambda x: (x + 110) % 256)
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def test_transformed_copies_form_one_group_and_other_pictures_stay_out(
    save: Save, settings: Settings
) -> None:
    original = scene(1, (960, 720))
    save(original, "original.jpg", quality=95)
    for name, (image, quality) in _copies(original).items():
        save(image, f"copies/{name}", quality=quality)
    for seed in range(2, 8):
        save(scene(seed, (960, 720)), f"others/other{seed}.jpg")
    folder = settings.data_dir.parent / "pictures"

    groups = find_duplicate_groups(analyze_folder(folder, settings, workers=1).analyses)

    assert len(groups) == 1
    names = sorted(Path(a.path).name for a in groups[0].members)
    assert names == sorted(["original.jpg", *_copies(original)])
    assert Path(groups[0].keeper.path).name == "original.jpg"
    assert 0.9 <= groups[0].similarity <= 1.0


def test_keeper_is_the_largest_then_the_sharpest(save: Save, settings: Settings) -> None:
    original = scene(3, (800, 600))
    save(original.resize((400, 300)), "small.jpg", quality=92)
    save(blurred(original, 1.5), "large_soft.jpg", quality=92)
    save(original, "large_sharp.jpg", quality=92)
    folder = settings.data_dir.parent / "pictures"
    groups = find_duplicate_groups(analyze_folder(folder, settings, workers=1).analyses)
    assert len(groups) == 1
    order = [Path(a.path).name for a in groups[0].members]
    assert order == ["large_sharp.jpg", "large_soft.jpg", "small.jpg"]
    assert [Path(a.path).name for a in groups[0].extras] == order[1:]


def test_recoloured_picture_is_not_a_duplicate(save: Save, settings: Settings) -> None:
    original = scene(4, (640, 480))
    save(original, "original.jpg", quality=92)
    save(_hue_rotated(original), "recoloured.jpg", quality=92)
    folder = settings.data_dir.parent / "pictures"
    assert find_duplicate_groups(analyze_folder(folder, settings, workers=1).analyses) == []


def test_different_pictures_form_no_groups(save: Save, settings: Settings) -> None:
    for seed in range(10, 22):
        save(scene(seed), f"p{seed}.jpg")
    folder = settings.data_dir.parent / "pictures"
    assert find_duplicate_groups(analyze_folder(folder, settings, workers=1).analyses) == []


def test_flat_pictures_of_the_same_colour_group_and_of_different_colours_do_not(
    save: Save, settings: Settings
) -> None:
    save(Image.new("RGB", (300, 200), (30, 80, 200)), "blue_a.png")
    save(Image.new("RGB", (150, 100), (30, 80, 200)), "blue_b.jpg", quality=90)
    save(Image.new("RGB", (300, 200), (200, 40, 30)), "red.png")
    folder = settings.data_dir.parent / "pictures"
    groups = find_duplicate_groups(analyze_folder(folder, settings, workers=1).analyses)
    assert [sorted(Path(a.path).name for a in g.members) for g in groups] == [
        ["blue_a.png", "blue_b.jpg"]
    ]


def test_fewer_than_two_pictures_have_no_groups() -> None:
    assert find_duplicate_groups([]) == []


def test_keeper_is_the_well_exposed_picture_not_its_darkened_copy(
    save: Save, settings: Settings
) -> None:
    """A frame fading out (mean luma 0.12) and its well-exposed twin (0.24), same size: dividing
    sharpness by contrast squared used to keep the dark one (its noise is large beside its
    contrast); exposure and absolute detail keep the well-exposed one."""
    well = ImageEnhance.Brightness(scene(3, (640, 480))).enhance(0.53)
    save(well, "well_exposed.jpg", quality=92)
    save(ImageEnhance.Brightness(well).enhance(0.5), "fading.jpg", quality=92)
    folder = settings.data_dir.parent / "pictures"
    analyses = analyze_folder(folder, settings, workers=1).analyses
    assert sorted(round(a.pixels.brightness, 2) for a in analyses) == [0.12, 0.24]

    (group,) = find_duplicate_groups(analyses)

    assert Path(group.keeper.path).name == "well_exposed.jpg"
