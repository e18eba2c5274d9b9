"""Captions: cues split into readable chunks (≤ 2 lines, word-aware breaks), written as SRT for
players and as styled ASS for burning in with libass."""

from __future__ import annotations

import os
from pathlib import Path

from reelforge.domain import Cue


def chars_per_line(width: int, height: int) -> int:
    """How many characters fit a subtitle line at the style's font size, by aspect."""
    return 24 if height > width else 30 if height == width else 42


def break_lines(text: str, max_chars: int) -> list[str]:
    """Greedy word wrap, then rebalance two lines so neither looks stranded."""
    words = text.split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) == 2:
        best = lines
        for cut in range(1, len(words)):
            a, b = " ".join(words[:cut]), " ".join(words[cut:])
            if (
                len(a) <= max_chars
                and len(b) <= max_chars
                and (abs(len(a) - len(b)) < abs(len(best[0]) - len(best[1])))
            ):
                best = [a, b]
        lines = best
    return lines


def _split_evenly(words: list[str], parts: int) -> list[list[str]]:
    """``parts`` consecutive groups of words with about the same number of characters each."""
    total = sum(len(w) + 1 for w in words)
    groups: list[list[str]] = [[]]
    used = 0
    for word in words:
        target = total * len(groups) / parts
        if groups[-1] and len(groups) < parts and used + (len(word) + 1) / 2 > target:
            groups.append([])
        groups[-1].append(word)
        used += len(word) + 1
    return groups


def chunk_cues(cues: list[Cue], max_chars: int, max_lines: int = 2) -> list[Cue]:
    """Split each cue whose text needs more than ``max_lines`` lines into the fewest, evenly
    sized chunks (no stranded last word); time them by their share of the characters.

    The chunk text keeps its line break as a newline.
    """
    out: list[Cue] = []
    for cue in cues:
        words = cue.text.split()
        parts = 1
        while True:
            chunks = _split_evenly(words, parts)
            if all(len(break_lines(" ".join(c), max_chars)) <= max_lines for c in chunks):
                break
            parts += 1
        total = sum(len(" ".join(c)) for c in chunks) or 1
        start = cue.start_s
        span = cue.end_s - cue.start_s
        for i, chunk in enumerate(chunks):
            text = " ".join(chunk)
            end = cue.end_s if i == len(chunks) - 1 else start + span * len(text) / total
            out.append(
                Cue(
                    text="\n".join(break_lines(text, max_chars)),
                    start_s=round(start, 3),
                    end_s=round(end, 3),
                )
            )
            start = end
    return out


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def _ass_time(seconds: float) -> str:
    cs = round(seconds * 100)
    h, cs = divmod(cs, 360_000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_srt(cues: list[Cue], path: Path) -> None:
    blocks = [
        f"{i}\n{_srt_time(c.start_s)} --> {_srt_time(c.end_s)}\n{c.text}\n"
        for i, c in enumerate(cues, start=1)
    ]
    _write_atomic(path, "\n".join(blocks))


def parse_srt(text: str) -> list[Cue]:
    """Read an SRT back (used by tests and by re-runs that edit captions)."""

    def seconds(stamp: str) -> float:
        hms, ms = stamp.strip().split(",")
        h, m, s = (int(x) for x in hms.split(":"))
        return h * 3600 + m * 60 + s + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) >= 3 and "-->" in lines[1]:
            start, end = lines[1].split("-->")
            cues.append(Cue(text="\n".join(lines[2:]), start_s=seconds(start), end_s=seconds(end)))
    return cues


def write_ass(cues: list[Cue], path: Path, width: int, height: int, font_name: str) -> None:
    """Styled for phones: bold white with a dark outline, inside the platforms' safe area."""
    portrait = height > width
    size = round(height * (0.04 if portrait else 0.055))
    margin_v = round(height * (0.17 if portrait else 0.07))
    margin_h = round(width * 0.07)
    outline = max(2, round(size * 0.08))
    header = (
        "[Script Info]\nScriptType: v4.00+\nWrapStyle: 2\nScaledBorderAndShadow: yes\n"
        f"PlayResX: {width}\nPlayResY: {height}\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
        "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
        "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font_name},{size},&H00FFFFFF,&H00FFFFFF,&H00101010,&H80000000,-1,0,0,0,"
        f"100,100,0,0,1,{outline},{max(1, outline // 2)},2,{margin_h},{margin_h},{margin_v},1\n\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    events = []
    for cue in cues:
        text = (
            cue.text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", "\\N")
        )
        events.append(
            f"Dialogue: 0,{_ass_time(cue.start_s)},{_ass_time(cue.end_s)},Default,,0,0,0,,{text}"
        )
    _write_atomic(path, header + "\n".join(events) + "\n")
