"""Caption styles as a viewer sees them: the spoken word is drawn in the active style at its
midpoint (checked in rendered frames against its neighbour's time), pages stay inside the safe
area in at most two lines, and the SRT/VTT/words.json files say the same words."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.assemble.captions import write_captions
from reelforge.assemble.captions.files import parse_srt
from reelforge.assemble.captions.layout import safe_area
from reelforge.assemble.captions.styles import caption_events, style_lettering, style_pages
from reelforge.assemble.fonts import font_family, font_file
from reelforge.domain import Word
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg

TEXT = "Octopuses have nine brains. They taste with their arms and solve puzzles quickly."
W, H, FPS = 360, 640, 20


def _words(text: str = TEXT, start: float = 0.2, each: float = 0.4) -> list[Word]:
    out, at = [], start
    for word in text.split():
        out.append(Word(text=word, start_s=round(at, 3), end_s=round(at + each - 0.05, 3)))
        at += each + (0.3 if word.endswith(".") else 0.0)
    return out


def _render(words: list[Word], style: str, folder: Path) -> list[np.ndarray]:
    """Every frame (at FPS) of a dark clip with the style's captions burned in by libass."""
    font = font_file()
    made = write_captions(words, style, folder, W, H, font, font_family(font))  # type: ignore[arg-type]
    assert made.ass is not None
    (folder / "fonts").mkdir()
    os.symlink(font, folder / "fonts" / "font.ttf")
    duration = words[-1].end_s + 0.5
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x202838:s={W}x{H}:r={FPS}:d={duration:.2f}",
                "-vf", f"subtitles=filename={made.ass.name}:fontsdir=fonts", "frame-%04d.png"],
               ffmpeg=find_ffmpeg(), cwd=folder)
    return [np.asarray(Image.open(p).convert("RGB")).astype(int)
            for p in sorted(folder.glob("frame-*.png"))]


def _frame_at(frames: list[np.ndarray], t: float) -> np.ndarray:
    return frames[min(len(frames) - 1, int(t * FPS))]


def _centre_x(mask: np.ndarray) -> float | None:
    xs = np.nonzero(mask)[1]
    return float(xs.mean()) if xs.size > 30 else None


def _yellow(frame: np.ndarray) -> np.ndarray:
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    return (r > 200) & (g > 160) & (b < 110)


def _coral(frame: np.ndarray) -> np.ndarray:
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    return (r > 200) & (g < 120) & (b > 50) & (b < 150)


def _word_x(words: list[Word], style: str, index: int) -> tuple[float, float]:
    """Where word ``index`` is drawn, from the same layout the captions were made with."""
    area = safe_area(W, H)
    for page in style_pages(words, style, font_file(), area):  # type: ignore[arg-type]
        for line in page.lines:
            if any(w is words[index] for w in line):
                at = [id(w) for w in line].index(id(words[index]))
                text = " ".join(w.text for w in line)
                left = area.centre_x - page.lettering.measure(text) / 2
                before = " ".join(w.text for w in line[:at])
                x0 = left + (page.lettering.measure(before + " ") if before else 0.0)
                return x0, x0 + page.lettering.measure(words[index].text)
    raise AssertionError("word not laid out")


@pytest.mark.parametrize(("style", "colour"), [("karaoke", _yellow), ("pop", _yellow),
                                                ("box", _coral)])
def test_the_spoken_word_is_drawn_in_the_active_style_at_its_midpoint(
    style: str, colour: object, tmp_path: Path
) -> None:
    words = _words()
    frames = _render(words, style, tmp_path)
    for index in (2, 6, 9):  # "nine", "with", "solve": mid-page words
        word, before = words[index], words[index - 1]
        x0, x1 = _word_x(words, style, index)
        now = _centre_x(colour(_frame_at(frames, (word.start_s + word.end_s) / 2)))  # type: ignore[operator]
        then = _centre_x(colour(_frame_at(frames, (before.start_s + before.end_s) / 2)))  # type: ignore[operator]
        assert now is not None and x0 - 4 <= now <= x1 + 4, (style, word.text, now, (x0, x1))
        assert then is None or not x0 <= then <= x1  # its neighbour's time: not this word


def test_classic_captions_mark_no_word(tmp_path: Path) -> None:
    words = _words()
    frames = _render(words, "classic", tmp_path)
    lit = _frame_at(frames, words[2].start_s + 0.1)
    assert (lit.sum(axis=2) > 600).sum() > 100  # white text is there
    assert not _yellow(lit).any() and not _coral(lit).any()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080), (1080, 1080)])
@pytest.mark.parametrize("style", ["karaoke", "pop", "box", "classic"])
def test_pages_fit_two_lines_inside_the_safe_area(width: int, height: int, style: str) -> None:
    words = _words(TEXT + " Incomprehensibilities notwithstanding, cephalopods outmanoeuvre us.")
    area = safe_area(width, height)
    pages = style_pages(words, style, font_file(), area)  # type: ignore[arg-type]
    assert [w for p in pages for w in p.words] == words
    for page in pages:
        assert 1 <= len(page.lines) <= 2
        for line in page.lines:
            assert page.lettering.measure(" ".join(w.text for w in line)) <= area.text_width
    if height > width:  # clear of the buttons: right 15 %, bottom 20 %
        assert area.left + area.text_width <= width * 0.85 and area.bottom <= height * 0.8
    base = style_lettering(style, font_file(), area)  # type: ignore[arg-type]
    assert base.pil_size >= min(width, height) * 0.05  # sized to the frame, not fixed pixels


def test_karaoke_marks_exactly_one_word_per_event_and_tags_variant_uses_k() -> None:
    words, area = _words(), safe_area(W, H)
    events = caption_events(words, "karaoke", area, font_file())
    assert events and all(e.text.count("\\1c&H0022D3FF") <= 1 for e in events)
    assert sum(e.text.count("\\1c&H0022D3FF") for e in events) == len(words)
    tagged = caption_events(words, "karaoke", area, font_file(), tags=True)
    assert len(tagged) < len(events) and all("\\k" in e.text for e in tagged)
    assert caption_events(words, "none", area, font_file()) == []


def test_caption_files_say_the_same_words_with_their_times(tmp_path: Path) -> None:
    words = _words()
    font = font_file()
    made = write_captions(words, "none", tmp_path, 1080, 1920, font, font_family(font),
                          extra={"style": "none"})
    assert made.ass is None
    srt = parse_srt(made.srt.read_text())
    assert " ".join(c.text for c in srt).split() == TEXT.split()
    assert srt[0].start_s == words[0].start_s and all(len(c.text.splitlines()) <= 2 for c in srt)
    vtt = made.vtt.read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:00.200 --> ")
    document = json.loads(made.words.read_text())
    assert document["style"] == "none"
    assert [(w["text"], w["start"], w["end"], w["scene"]) for w in document["words"]] == [
        (w.text, w.start_s, w.end_s, w.scene_index) for w in words]


def test_a_new_page_starts_at_each_sentence() -> None:
    pages = style_pages(_words(), "karaoke", font_file(), safe_area(1080, 1920))
    assert all(not w.text.endswith(".") for p in pages for w in p.words[:-1])
