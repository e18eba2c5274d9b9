"""Decoding picture files: EXIF, odd modes, and every kind of bad input skipped with a reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.media import image_files
from reelforge.media.image_files import UnreadableImage, analyze_file, decode_image

from .conftest import bomb_png, scene

Save = Callable[..., Path]


def _upright_red_over_blue() -> Image.Image:
    arr = np.zeros((200, 120, 3), dtype=np.uint8)
    arr[:100] = (220, 20, 20)
    arr[100:] = (20, 20, 220)
    return Image.fromarray(arr)


def _exif(orientation: int = 1, *, gps: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R6"
    exif.get_ifd(0x8769)[0x9003] = "2023:05:01 12:34:56"
    if gps:
        info = exif.get_ifd(0x8825)
        info[1], info[2] = "N", (52.0, 22.0, 30.0)
        info[3], info[4] = "W", (4.0, 30.0, 0.0)
    return exif


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_rotated_picture_is_upright(save: Save, orientation: int) -> None:
    upright = _upright_red_over_blue()
    stored = upright.transpose({3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
                                8: Image.Transpose.ROTATE_270}[orientation])
    path = save(stored, f"rotated{orientation}.jpg", exif=_exif(orientation), quality=95)
    decoded = decode_image(path)
    assert (decoded.width, decoded.height) == (120, 200)
    assert decoded.orientation == orientation
    top, bottom = decoded.rgb[10].mean(axis=0), decoded.rgb[-10].mean(axis=0)
    assert top[0] > 180 > top[2] and bottom[2] > 180 > bottom[0]


def test_camera_and_capture_time_are_read_and_gps_values_stay_out_unless_asked(
    save: Save,
) -> None:
    path = save(scene(1), "gps.jpg", exif=_exif(gps=True))
    analysis = analyze_file(path)
    assert analysis.camera == "Canon EOS R6"
    assert analysis.captured_at == "2023-05-01T12:34:56"
    assert analysis.has_gps is True
    assert analysis.gps is None and "gps" not in analysis.to_dict()
    asked = analyze_file(path, include_gps=True)
    assert asked.gps == {"latitude": pytest.approx(52.375), "longitude": pytest.approx(-4.5)}


def test_analysis_reports_full_size_format_and_aspect_of_a_draft_decoded_jpeg(save: Save) -> None:
    path = save(scene(2, (2400, 1600)), "big.jpg", quality=85)
    analysis = analyze_file(path)
    assert (analysis.width, analysis.height, analysis.format) == (2400, 1600, "JPEG")
    assert analysis.aspect == "landscape" and analysis.file_size == path.stat().st_size
    assert max(decode_image(path).rgb.shape[:2]) <= 512


def test_cmyk_jpeg_is_analysed_in_rgb(save: Save) -> None:
    path = save(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "cmyk.jpg")
    analysis = analyze_file(path)
    assert analysis.mode == "CMYK"
    assert analysis.pixels.palette[0].name == "red"


def test_16_bit_greyscale_png_is_scaled_not_clipped(save: Save) -> None:
    path = save(Image.fromarray(np.full((64, 64), 16384, dtype=np.uint16)), "deep.png")
    analysis = analyze_file(path)
    assert analysis.bit_depth == 16
    assert analysis.pixels.brightness == pytest.approx(0.25, abs=0.01)


def test_transparent_palette_and_alpha_images_are_composited_on_white(save: Save) -> None:
    rgba = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    rgba.paste((0, 0, 200, 255), (0, 0, 32, 64))
    palette = Image.new("P", (64, 64), 0)
    palette.putpalette([0, 0, 0, 0, 0, 200])
    palette.paste(1, (0, 0, 32, 64))
    for path in (save(rgba, "alpha.png"), save(palette, "palette.png", transparency=0)):
        analysis = analyze_file(path)
        assert analysis.has_alpha
        names = {c.name for c in analysis.pixels.palette}
        assert {"white", "blue"} <= names, path


def _bad(path: Path) -> str:
    with pytest.raises(UnreadableImage) as caught:
        analyze_file(path)
    return caught.value.reason


def test_corrupt_file_is_skipped_with_reason(save: Save, tmp_path: Path) -> None:
    path = tmp_path / "noise.jpg"
    path.write_bytes(os.urandom(3000))
    assert "not a recognised image" in _bad(path)


def test_jpeg_with_garbage_body_is_skipped_as_corrupt(save: Save) -> None:
    good = save(scene(3), "good.jpg")
    data = bytearray(good.read_bytes())
    data[400:] = b"\x00\xff" * ((len(data) - 400) // 2)
    good.write_bytes(bytes(data))
    assert any(word in _bad(good) for word in ("corrupt", "truncated"))


def test_truncated_jpeg_is_skipped_not_padded(save: Save) -> None:
    path = save(scene(4), "cut.jpg", quality=90)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "truncated" in _bad(path)


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert _bad(path) == "empty file (0 bytes)"


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    reason = _bad(bomb_png(tmp_path / "bomb.png", 100_000, 100_000))
    assert "decompression-bomb" in reason


def test_picture_over_the_chosen_megapixel_limit_is_skipped(save: Save) -> None:
    path = save(scene(5, (400, 300)), "limit.png")
    with pytest.raises(UnreadableImage, match=r"bomb guard: .*120000 pixels.*0\.1 MP"):
        analyze_file(path, max_pixels=100_000)
    assert analyze_file(path, max_pixels=200_000).width == 400


def test_heic_without_a_decoder_names_the_package_to_install(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    if image_files.heif_decoder_installed():
        pytest.skip("pillow-heif is installed here")
    assert "pillow-heif" in _bad(path)


def test_raw_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "DSC_0001.NEF"
    path.write_bytes(b"II*\x00" + b"\x00" * 100)
    assert "RAW" in _bad(path)


def test_unreadable_permissions_are_reported(save: Save) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    path = save(scene(6), "locked.jpg")
    path.chmod(0)
    try:
        assert "permission denied" in _bad(path)
    finally:
        path.chmod(0o644)


def test_permission_error_from_the_file_system_becomes_a_reason(
    save: Save, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save(scene(7), "locked.jpg")

    def refuse(*_args: object, **_kwargs: object) -> Image.Image:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(image_files.Image, "open", refuse)
    assert "permission denied" in _bad(path)


def test_multi_picture_jpeg_from_phones_is_draft_decoded_too(save: Save) -> None:
    image = scene(8, (1600, 1200))
    path = save(image, "burst.mpo", format="MPO", save_all=True, append_images=[image])
    decoded = decode_image(path)
    assert decoded.format == "MPO" and (decoded.width, decoded.height) == (1600, 1200)
    assert max(decoded.rgb.shape[:2]) < 1600 // 2
