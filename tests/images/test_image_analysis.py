"""Pixel measurements on arrays with known properties."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from reelforge.media.image_analysis import (
    DESCRIPTOR_DIMS,
    aspect_class,
    color_name,
    describe_image,
    dominant_palette,
    perceptual_hashes,
    pixel_stats,
    validate_rgb,
)

from .conftest import blocks, blurred, scene


def _hex_rgb(value: str) -> np.ndarray:
    return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)])


def test_known_palette_is_found_with_its_area_shares() -> None:
    colors = [(200, 30, 30), (30, 160, 60), (20, 40, 200)]
    image = np.asarray(blocks(colors, [0.5, 0.3, 0.2]))
    palette = dominant_palette(image, colors=5)
    found = [(_hex_rgb(c.hex), c.share) for c in palette]
    for color, share in zip(colors, [0.5, 0.3, 0.2], strict=True):
        match = [s for rgb, s in found if np.abs(rgb - color).max() <= 8]
        assert match, f"{color} missing from {palette}"
        assert sum(match) == pytest.approx(share, abs=0.03)
    assert [c.name for c in palette[:3]] == ["red", "green", "blue"]


def test_blurred_copy_scores_lower_sharpness() -> None:
    sharp = scene(1, (400, 300))
    assert pixel_stats(np.asarray(blurred(sharp))).sharpness < 0.3 * pixel_stats(
        np.asarray(sharp)).sharpness


def test_noisy_copy_scores_higher_noise_estimate() -> None:
    clean = np.asarray(scene(2).filter(ImageFilter.SMOOTH))
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 12, clean.shape), 0, 255)
    assert pixel_stats(noisy.astype(np.uint8)).noise > pixel_stats(clean).noise + 6


def test_dark_picture_is_called_underexposed_with_clipped_shadows() -> None:
    dark = np.full((100, 100, 3), 3, dtype=np.uint8)
    dark[:20] = 60
    stats = pixel_stats(dark)
    assert stats.brightness < 0.1
    assert stats.clipped_shadows == pytest.approx(0.8, abs=0.01)
    assert "underexposed" in stats.exposure and "clipped shadows" in stats.exposure


def test_blown_out_picture_reports_clipped_highlights() -> None:
    bright = np.full((100, 100, 3), 255, dtype=np.uint8)
    bright[:, :30] = 120
    stats = pixel_stats(bright)
    assert stats.clipped_highlights == pytest.approx(0.7, abs=0.01)
    assert "clipped highlights" in stats.exposure


def test_well_exposed_picture_has_no_exposure_problems() -> None:
    assert pixel_stats(np.asarray(scene(3))).exposure == []


def test_grey_picture_is_less_saturated_and_colourful_than_a_vivid_one() -> None:
    vivid = np.asarray(blocks([(255, 0, 0), (0, 0, 255)], [0.5, 0.5]))
    grey = np.asarray(Image.fromarray(vivid).convert("L").convert("RGB"))
    v, g = pixel_stats(vivid), pixel_stats(grey)
    assert v.saturation > 0.9 and g.saturation < 0.01
    assert v.colorfulness > 50 > g.colorfulness


def test_contrast_is_higher_for_black_and_white_than_for_two_greys() -> None:
    strong = np.asarray(blocks([(0, 0, 0), (255, 255, 255)], [0.5, 0.5]))
    weak = np.asarray(blocks([(110, 110, 110), (140, 140, 140)], [0.5, 0.5]))
    assert pixel_stats(strong).contrast > 0.45 > 0.1 > pixel_stats(weak).contrast


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1000, 1000), "square"), ((4000, 3000), "landscape"), ((3000, 4000), "portrait"),
     ((6000, 2000), "panorama"), ((1000, 2200), "tall")],
)
def test_aspect_class(size: tuple[int, int], expected: str) -> None:
    assert aspect_class(*size) == expected


@pytest.mark.parametrize(
    ("rgb", "name"),
    [((10, 10, 10), "black"), ((128, 128, 128), "grey"), ((250, 250, 250), "white"),
     ((220, 30, 30), "red"), ((30, 60, 220), "blue"), ((40, 180, 60), "green"),
     ((240, 140, 20), "orange"), ((110, 60, 20), "brown")],
)
def test_color_names(rgb: tuple[int, int, int], name: str) -> None:
    assert color_name(*rgb) == name


def test_descriptor_is_fixed_length_and_barely_changes_with_resolution() -> None:
    big = scene(4, (640, 480))
    small = big.resize((160, 120), Image.Resampling.LANCZOS)
    other = scene(5, (640, 480))
    d_big, d_small, d_other = (describe_image(np.asarray(i)) for i in (big, small, other))
    assert d_big.shape == (DESCRIPTOR_DIMS,) and d_big.dtype == np.float32
    assert np.linalg.norm(d_big - d_small) < 0.25 * np.linalg.norm(d_big - d_other)


def test_descriptor_accepts_video_keyframes_as_float_arrays_of_any_size() -> None:
    frame = np.asarray(scene(6, (203, 117))).astype(np.float32) / 255.0
    as_bytes = (frame * 255).round().astype(np.uint8)
    assert np.allclose(describe_image(frame), describe_image(as_bytes), atol=0.02)


def test_non_rgb_arrays_are_rejected_with_their_shape() -> None:
    with pytest.raises(ValueError, match=r"\(100, 100\)"):
        validate_rgb(np.zeros((100, 100)))


def test_perceptual_hashes_survive_a_resize() -> None:
    image = scene(7, (640, 480))
    a = perceptual_hashes(np.asarray(image))
    b = perceptual_hashes(np.asarray(image.resize((200, 150))))
    distance = bin(int(a["phash"], 16) ^ int(b["phash"], 16)).count("1")
    assert distance <= 4
    assert len(a["phash"]) == len(a["dhash"]) == 16
