"""Where captions may go and how big they are, per frame shape; words grouped into pages.

Safe areas: on 9:16 Shorts, Reels and TikTok draw buttons over the bottom ~20 % and the right
~15 %, so captions sit above the bottom quarter and left of the button column. Sizes are shares
of the frame, so every resolution looks the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelforge.assemble.fit import libass_scale, pil_font, wrap
from reelforge.domain import Word

_SENTENCE_END = (".", "!", "?", "…", ":", ";")
PAUSE_BREAK_S = 0.6  # a silence this long starts a new page


@dataclass(frozen=True)
class SafeArea:
    """Margins (pixels) captions stay inside; ``bottom`` is where the last line ends."""

    width: int
    height: int
    left: int
    right: int
    bottom: int

    @property
    def text_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def centre_x(self) -> int:
        return self.left + self.text_width // 2


def safe_area(width: int, height: int) -> SafeArea:
    if height > width:  # 9:16: clear of the bottom 20 % (+ a little) and the right 15 %
        return SafeArea(width, height, left=round(width * 0.07), right=round(width * 0.16),
                        bottom=round(height * 0.745))
    if height == width:
        return SafeArea(width, height, left=round(width * 0.08), right=round(width * 0.12),
                        bottom=round(height * 0.85))
    return SafeArea(width, height, left=round(width * 0.1), right=round(width * 0.1),
                    bottom=round(height * 0.88))


@dataclass(frozen=True)
class Lettering:
    """The caption font at one size: libass's size for the ASS file, Pillow's for measuring."""

    font: Path
    ass_size: int

    @property
    def pil_size(self) -> int:
        return max(4, round(self.ass_size * libass_scale(self.font)))

    def measure(self, text: str) -> float:
        return float(pil_font(self.font, self.pil_size).getlength(text))

    @property
    def line_height(self) -> int:
        return round(self.ass_size * 1.02)

    def smaller(self) -> Lettering:
        return Lettering(self.font, max(8, int(self.ass_size * 0.93)))


def base_lettering(font: Path, width: int, height: int, scale: float = 1.0) -> Lettering:
    """The caption size for a frame: about 6.6 % of the short side in Pillow's em."""
    em = min(width, height) * 0.066 * scale
    return Lettering(font, max(8, round(em / libass_scale(font))))


@dataclass(frozen=True)
class Page:
    """Words shown together (one or two lines), the lines, and the lettering they fit at."""

    words: list[Word]
    lines: list[list[Word]]
    lettering: Lettering
    start_s: float
    end_s: float


def _lines_of(words: Sequence[Word], lettering: Lettering, max_width: float,
              max_lines: int) -> list[list[Word]] | None:
    texts = wrap([w.text for w in words], lettering.measure, max_width, max_lines)
    if texts is None:
        return None
    out, at = [], 0
    for line in texts:
        count = len(line.split())
        out.append(list(words[at:at + count]))
        at += count
    return out


def paginate(words: Sequence[Word], lettering: Lettering, area: SafeArea, max_words: int,
             max_lines: int = 2) -> list[Page]:
    """Consecutive words in pages that fit ``max_lines`` lines: a page ends at a sentence end,
    a pause, a scene change, ``max_words`` or when the next word would not fit; a word too long
    for a line at the base size gets a page at a smaller size (never clipped)."""
    pages: list[list[Word]] = []
    for word in words:
        current = pages[-1] if pages else None
        if current is not None:
            last = current[-1]
            fits = _lines_of([*current, word], lettering, area.text_width, max_lines) is not None
            if (fits and len(current) < max_words and last.scene_index == word.scene_index
                    and not last.text.endswith(_SENTENCE_END)
                    and word.start_s - last.end_s < PAUSE_BREAK_S):
                current.append(word)
                continue
        pages.append([word])
    out: list[Page] = []
    for i, group in enumerate(pages):
        fitted, lines = lettering, _lines_of(group, lettering, area.text_width, max_lines)
        while lines is None:
            fitted = fitted.smaller()
            lines = _lines_of(group, fitted, area.text_width, max_lines)
            if lines is None and fitted.ass_size <= 8:
                lines = [[w] for w in group]
        following = pages[i + 1][0].start_s if i + 1 < len(pages) else None
        end = group[-1].end_s + 0.25
        if following is not None:
            end = following if following - group[-1].end_s < PAUSE_BREAK_S else min(end, following)
        out.append(Page(words=group, lines=lines, lettering=fitted, start_s=group[0].start_s,
                        end_s=round(max(end, group[-1].end_s), 3)))
    return out
