"""Titles and captions fit by the font's real metrics: whole, inside their box, at every aspect."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.assemble.fit import fit_text, libass_scale, pil_font, wrap
from reelforge.assemble.fonts import font_file
from reelforge.providers.video.local import draw_title, fit_title

TITLE = "why are octopuses smarter than you think and what does it mean for us"
SIZES = [(540, 960), (960, 540), (540, 540)]  # the local renderer's half-size frames


def test_wrap_keeps_every_word_in_the_fewest_even_lines() -> None:
    font = pil_font(font_file(), 40)
    lines = wrap(TITLE.split(), font.getlength, 500, 4)
    assert lines is not None and " ".join(lines) == TITLE
    widths = [font.getlength(line) for line in lines]
    assert max(widths) <= 500
    assert min(widths) > 0.5 * max(widths)  # no stranded last word
    assert wrap(TITLE.split(), font.getlength, 500, 1) is None


def test_fit_shrinks_only_when_wrapping_is_not_enough() -> None:
    roomy = fit_text("Short title", font_file(), 900, 2, 60)
    assert roomy.size == 60 and roomy.lines == ["Short title"]
    tight = fit_text("Incomprehensibilities everywhere", font_file(), 300, 2, 60)
    assert tight.size < 60
    assert all(pil_font(font_file(), tight.size).getlength(line) <= 300 for line in tight.lines)


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("words", [3, 5, 8, 12])
def test_titles_of_3_to_12_words_fit_whole_at_every_aspect(
    width: int, height: int, words: int, tmp_path: Path
) -> None:
    title = " ".join(TITLE.split()[:words])
    fitted = fit_title(title, width, height, font_file())
    assert " ".join(fitted.lines).split() == title.upper().split()  # nothing dropped
    assert len(fitted.lines) <= 3
    draw_title(title, width, height, font_file(), tmp_path / "t.png")
    alpha = np.asarray(Image.open(tmp_path / "t.png"))[..., 3]
    margin_x, margin_y = int(width * 0.06), int(height * 0.06)
    ink = alpha > 40
    assert ink.any()
    assert not ink[:, :margin_x].any() and not ink[:, width - margin_x:].any()
    assert not ink[:margin_y].any() and not ink[height - margin_y:].any()


def test_titles_keep_the_words_as_written_in_capitals() -> None:
    fitted = fit_title("Grandmother's GPS tips for 2025", 540, 960, font_file())
    assert " ".join(fitted.lines) == "GRANDMOTHER'S GPS TIPS FOR 2025"


def test_libass_scale_reads_the_fonts_vertical_metrics() -> None:
    assert 0.5 < libass_scale(font_file()) < 1.0  # Noto Sans: 1000 / (1124 + 395)


def test_an_unreadable_caption_font_falls_back_to_the_bundled_one_with_a_warning(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    with pytest.warns(UserWarning, match="broken.ttf"):
        assert font_file(broken) == font_file()
    with pytest.warns(UserWarning, match="does not exist"):
        assert font_file(tmp_path / "missing.ttf") == font_file()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert font_file(font_file()) == font_file()
