"""Caption styles as ASS events for libass: what each style shows at every moment.

- ``classic``: sentence-sized pages of plain white lines (the captions reelforge always had);
- ``karaoke``: two-line pages, the word being spoken changes colour;
- ``pop``: one to three words at a time, larger, scaled in as each group appears;
- ``box``: two-line pages, the word being spoken drawn on a coloured box;
- ``none``: nothing is burned (the SRT/VTT/words.json files are still written).

The word-by-word styles are per-word events (each event is the page with one word marked);
``karaoke_tag_events`` writes the same look with ASS ``\\k`` tags instead — see
``bench/captions.py`` for which libass renders faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelforge.assemble.captions.layout import (
    Lettering,
    Page,
    SafeArea,
    base_lettering,
    paginate,
)
from reelforge.domain import CaptionStyle, Word

WHITE = "&H00FFFFFF"
HIGHLIGHT = "&H0022D3FF"  # warm yellow (#FFD322), ASS writes colours as BGR
BOX = "&H005A3BFF"  # coral (#FF3B5A)
OUTLINE = "&H00101010"


@dataclass(frozen=True)
class Event:
    """One ASS Dialogue line."""

    start_s: float
    end_s: float
    text: str
    layer: int = 0


def ass_text(text: str) -> str:
    """Words as ASS shows them literally: braces and backslashes cannot start overrides."""
    return text.replace("\\", "/").replace("{", "(").replace("}", ")")


def _line_y(area: SafeArea, lettering: Lettering, index: int, count: int) -> int:
    """Bottom of line ``index`` of ``count``: the last line ends at the safe area's bottom."""
    return area.bottom - (count - 1 - index) * lettering.line_height


def _size_tag(page: Page, base: Lettering) -> str:
    return "" if page.lettering.ass_size == base.ass_size else f"\\fs{page.lettering.ass_size}"


def _marked_line(line: Sequence[Word], active: Word | None, colour: str) -> str:
    parts = []
    for word in line:
        text = ass_text(word.text)
        parts.append(f"{{\\1c{colour}}}{text}{{\\1c{WHITE}}}" if word is active else text)
    return " ".join(parts)


def _word_windows(page: Page) -> list[tuple[Word, float, float]]:
    """Each word of a page with the time it is the active one: from its start (the page's
    start for the first) to the next word's start (the page's end for the last)."""
    words = page.words
    out = []
    for i, word in enumerate(words):
        start = page.start_s if i == 0 else word.start_s
        end = page.end_s if i == len(words) - 1 else words[i + 1].start_s
        if end > start:
            out.append((word, start, end))
    return out


def _page_lines(page: Page, area: SafeArea, base: Lettering, active: Word | None, colour: str,
                start: float, end: float, extra: str = "") -> list[Event]:
    count, size = len(page.lines), _size_tag(page, base)
    return [Event(start, end,
                  f"{{\\an2\\pos({area.centre_x},{_line_y(area, page.lettering, i, count)})"
                  f"{size}{extra}}}" + _marked_line(line, active, colour))
            for i, line in enumerate(page.lines)]


def classic_events(pages: Sequence[Page], area: SafeArea, base: Lettering) -> list[Event]:
    return [e for p in pages for e in _page_lines(p, area, base, None, WHITE, p.start_s, p.end_s)]


def karaoke_events(pages: Sequence[Page], area: SafeArea, base: Lettering) -> list[Event]:
    return [e for p in pages for word, start, end in _word_windows(p)
            for e in _page_lines(p, area, base, word, HIGHLIGHT, start, end)]


def karaoke_tag_events(pages: Sequence[Page], area: SafeArea, base: Lettering) -> list[Event]:
    """The karaoke look as one event per line with ``\\k`` tags: libass colours each word as
    its syllable starts (it stays coloured after, as on a karaoke screen)."""
    out = []
    for page in pages:
        windows = {id(w): (s, e) for w, s, e in _word_windows(page)}
        count = len(page.lines)
        for i, line in enumerate(page.lines):
            at, parts = page.start_s, []
            for word in line:
                start, end = windows.get(id(word), (word.start_s, word.start_s))
                if start > at:
                    parts.append(f"{{\\k{round((start - at) * 100)}}}")
                parts.append(f"{{\\k{max(1, round((end - start) * 100))}}}{ass_text(word.text)} ")
                at = max(at, end)
            y = _line_y(area, page.lettering, i, count)
            out.append(Event(page.start_s, page.end_s,
                             f"{{\\an2\\pos({area.centre_x},{y}){_size_tag(page, base)}}}"
                             + "".join(parts).rstrip()))
    return out


def pop_events(pages: Sequence[Page], area: SafeArea, base: Lettering) -> list[Event]:
    out = []
    for page in pages:
        for n, (word, start, end) in enumerate(_word_windows(page)):
            grow = "\\fscx70\\fscy70\\t(0,110,\\fscx100\\fscy100)" if n == 0 else ""
            out += _page_lines(page, area, base, word, HIGHLIGHT, start, end, grow)
    return out


def box_events(pages: Sequence[Page], area: SafeArea, base: Lettering) -> list[Event]:
    """The page's lines on layer 1; on layer 0 a rounded-enough rectangle drawn (ASS drawing
    mode) behind the active word, placed by the same metrics the lines were fitted with."""
    out = []
    for page in pages:
        letters = page.lettering
        count = len(page.lines)
        for word, start, end in _word_windows(page):
            out += [Event(e.start_s, e.end_s, e.text, layer=1)
                    for e in _page_lines(page, area, base, None, WHITE, start, end)]
            for i, line in enumerate(page.lines):
                if not any(w is word for w in line):
                    continue
                text = " ".join(w.text for w in line)
                before = " ".join(w.text for w in line[: [id(w) for w in line].index(id(word))])
                left = area.centre_x - letters.measure(text) / 2
                x = left + (letters.measure(before + " ") if before else 0.0)
                width = letters.measure(word.text)
                pad = letters.ass_size * 0.12
                bottom = _line_y(area, letters, i, count)
                top = bottom - letters.ass_size * 0.95
                w, h = round(width + 2 * pad), round(bottom - top + pad)
                out.append(Event(start, end,
                                 f"{{\\an7\\pos({round(x - pad)},{round(top)})\\bord0\\shad0"
                                 f"\\1c{BOX}\\p1}}m 0 0 l {w} 0 {w} {h} 0 {h}{{\\p0}}"))
    return out


STYLE_EVENTS = {
    "classic": classic_events,
    "karaoke": karaoke_events,
    "pop": pop_events,
    "box": box_events,
}
#: Words per page, and lines, by style (pop: a short group on one line, larger).
PAGE_SHAPE: dict[str, tuple[int, int, float]] = {
    "classic": (14, 2, 1.0),
    "karaoke": (8, 2, 1.0),
    "box": (8, 2, 1.0),
    "pop": (3, 1, 1.35),
}


def style_lettering(style: CaptionStyle, font: Path, area: SafeArea) -> Lettering:
    """The style's base lettering (the ASS style's font size)."""
    return base_lettering(font, area.width, area.height, PAGE_SHAPE.get(style, (0, 0, 1.0))[2])


def style_pages(words: Sequence[Word], style: CaptionStyle, font: Path,
                area: SafeArea) -> list[Page]:
    max_words, lines, _ = PAGE_SHAPE.get(style, PAGE_SHAPE["classic"])
    return paginate(words, style_lettering(style, font, area), area, max_words, lines)


def caption_events(words: Sequence[Word], style: CaptionStyle, area: SafeArea,
                   font: Path, *, tags: bool = False) -> list[Event]:
    """The events that burn ``words`` in ``style`` (``tags``: karaoke with ``\\k`` tags)."""
    if style == "none" or not words:
        return []
    lettering = style_lettering(style, font, area)
    pages = style_pages(words, style, font, area)
    if style == "karaoke" and tags:
        return karaoke_tag_events(pages, area, lettering)
    return STYLE_EVENTS[style](pages, area, lettering)
