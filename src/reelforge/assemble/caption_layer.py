"""The burned captions as a layer: libass draws only the frames where the captions can change.

FFmpeg's ``subtitles`` filter asks libass for every output frame and blends its bitmaps into the
picture in plain C: ~4 CPU-s per minute of 1080×1920 karaoke, about a tenth of the whole
render, although the captions change only a few times a second. Here libass draws on a
transparent canvas only at the frames where some event starts or ends (every frame of an event
that animates: ``\\t``, ``\\k``, ``\\fad``, ``\\move``, ASS effects), and ``overlay`` (SIMD)
lays the latest drawing over each frame. The frames and their times are the ones the
``subtitles`` filter would use, so each frame shows the same captions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

#: Override tags whose drawing changes while the event is on screen.
ANIMATED = re.compile(r"\\(?:t\(|k|K|fade?\(|move\()")
#: Longest ``select`` expression put on the command line (Linux caps one argument at 128 KiB;
#: the rest of the graph needs room too). A longer one burns captions on every frame instead.
MAX_EXPRESSION = 60_000


def _ass_ms(stamp: str) -> int:
    """An ASS time (``h:mm:ss.cc``) in milliseconds, as libass reads it."""
    hours, minutes, seconds = stamp.strip().split(":")
    whole, _, hundredths = seconds.partition(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1000 + int(
        (hundredths + "00")[:2]) * 10


def _frame_ms(n: int, fps: float) -> int:
    """The time libass is asked to draw frame ``n`` at: FFmpeg's ``pts × time_base × 1000``
    (time base 1/fps), truncated to whole milliseconds."""
    return int(n * (1 / fps) * 1000)


def _first_frame_at(ms: int, fps: float) -> int:
    """The first frame drawn at or after ``ms``."""
    n = max(0, math.floor(ms * fps / 1000) - 1)
    while _frame_ms(n, fps) < ms:
        n += 1
    return n


def caption_change_frames(ass: str, fps: float, frames: int) -> list[tuple[int, int]]:
    """Frame ranges (first, last, inclusive, sorted, disjoint) outside which the captions'
    drawing equals the one of the frame before: frame 0, each event's first frame and the frame
    after its last, and every frame of an animated event."""
    marks: list[tuple[int, int]] = [(0, 0)]
    for line in ass.splitlines():
        if not line.startswith("Dialogue:"):
            continue
        fields = line[len("Dialogue:"):].split(",", 9)
        if len(fields) < 10:
            continue
        start, end = _ass_ms(fields[1]), _ass_ms(fields[2])
        if end <= start:
            continue
        first, after = _first_frame_at(start, fps), _first_frame_at(end, fps)
        if fields[8].strip() or ANIMATED.search(fields[9]):
            marks.append((first, after))
        else:
            marks += [(first, first), (after, after)]
    merged: list[tuple[int, int]] = []
    for a, b in sorted((a, min(b, frames - 1)) for a, b in marks if a < frames):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def select_expression(ranges: Sequence[tuple[int, int]]) -> str:
    """An expression true on the frames in ``ranges``: a balanced tree of ``if(lt(n,…))`` so
    that FFmpeg evaluates a handful of terms per frame, not one per range."""
    if len(ranges) == 1:
        a, b = ranges[0]
        return f"eq(n,{a})" if a == b else f"between(n,{a},{b})"
    mid = len(ranges) // 2
    return (f"if(lt(n,{ranges[mid][0]}),{select_expression(ranges[:mid])},"
            f"{select_expression(ranges[mid:])})")


def _numbers(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def caption_band(ass: str, width: int, height: int) -> tuple[int, int]:
    """The rows (top, count; even, for 4:2:0) that can hold a caption, with a wide margin:
    every event placed by ``\\pos`` with ``(lines × 1.5 × size + 2 × (outline + shadow +
    blur))`` above and below its anchor. The whole frame when the file places or turns text in
    ways this does not follow (no ``\\pos``, ``\\move``, rotation, a PlayRes not the frame's)."""
    whole = (0, height)
    info = dict(re.findall(r"^(PlayResX|PlayResY):\s*(\d+)", ass, re.M))
    if info != {"PlayResX": str(width), "PlayResY": str(height)}:
        return whole
    fmt = re.search(r"^\[V4\+ Styles\]\s*^Format:(.*)$", ass, re.M)
    if fmt is None:
        return whole
    names = [n.strip() for n in fmt.group(1).split(",")]
    size = pad = 0.0
    try:
        for line in re.findall(r"^Style:(.*)$", ass, re.M):
            style = dict(zip(names, (v.strip() for v in line.split(",")), strict=False))
            size = max(size, float(style["Fontsize"]) * max(1.0, float(style["ScaleY"]) / 100))
            pad = max(pad, float(style["Outline"]) + float(style["Shadow"]))
    except (KeyError, ValueError):
        return whole
    top, bottom = float(height), 0.0
    for line in ass.splitlines():
        if not line.startswith("Dialogue:"):
            continue
        text = line.split(",", 9)[-1]
        pos = re.search(r"\\pos\(\s*[-\d.]+\s*,\s*([-\d.]+)\s*\)", text)
        if pos is None or re.search(r"\\(?:move|org|fr|fa[xy])", text):
            return whole
        scale = max([1.0, *(v / 100 for v in _numbers(r"\\fsc[xy]?([\d.]+)", text))])
        tall = max([size, *_numbers(r"\\fs([\d.]+)", text)]) * scale
        if re.search(r"\\p[1-9]", text):  # a drawing: its own coordinates, in pixels
            tall = max([tall, *(abs(v) * scale for v in _numbers(r"(-?[\d.]+)",
                                                                  re.sub(r"{[^}]*}", " ", text)))])
        edge = max([pad, *_numbers(r"\\(?:bord|shad|blur|be)([\d.]+)", text)])
        reach = (1 + len(re.findall(r"\\[Nn]", text))) * 1.5 * tall + 2 * edge
        y = float(pos.group(1))
        top, bottom = min(top, y - reach), max(bottom, y + reach)
    first = max(0, math.floor(top / 2) * 2)
    last = min(height, math.ceil(bottom / 2) * 2)
    return (first, last - first) if last > first else whole


def caption_layer(ass: str, width: int, height: int, fps: float, frames: int,
                  subtitles: str) -> tuple[str, int] | None:
    """The filter chain making the caption layer (transparent, drawn only where it changes,
    cut to the caption band) and the row to overlay it at, for ``[main][layer]overlay``; None
    when the frame expression would be too long to pass."""
    expression = select_expression(caption_change_frames(ass, fps, frames))
    if len(expression) > MAX_EXPRESSION:
        return None
    top, rows = caption_band(ass, width, height)
    return (f"color=c=black@0:s={width}x{height}:r={fps},format=yuva420p,"
            f"trim=end_frame={frames},select='{expression}',{subtitles}:alpha=1,"
            f"crop={width}:{rows}:0:{top}", top)
