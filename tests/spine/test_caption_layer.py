"""Captions burned as a layer drawn only where they change give, frame for frame, the picture
FFmpeg's ``subtitles`` filter gives when libass draws every frame (what the render did before)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reelforge.assemble.caption_layer import (
    caption_band,
    caption_change_frames,
    caption_layer,
    select_expression,
)
from reelforge.assemble.fonts import font_family, font_file
from reelforge.assemble.render import SUBTITLES
from reelforge.media.ffmpeg import run_ffmpeg

W, H, FPS, FRAMES = 360, 640, 30, 75

HEAD = (f"[Script Info]\nScriptType: v4.00+\nWrapStyle: 2\nScaledBorderAndShadow: yes\n"
        f"PlayResX: {W}\nPlayResY: {H}\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize, "
        "PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, "
        "StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
        "MarginL, MarginR, MarginV, Encoding\nStyle: Default,{font},36,&H00FFFFFF,&H00FFFFFF,"
        "&H00101010,&H80000000,-1,0,0,0,100,100,0,0,1,4,2,2,0,0,0,1\n\n[Events]\nFormat: Layer, "
        "Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")
EVENTS = [  # karaoke lines meeting at frame boundaries, a gap, a pop (animated) and a box
    "0,0:00:00.10,0:00:00.57,Default,,0,0,0,,{\\an2\\pos(180,440)}{\\1c&H0022D3FF}one"
    "{\\1c&H00FFFFFF} two",
    "0,0:00:00.57,0:00:01.00,Default,,0,0,0,,{\\an2\\pos(180,440)}one {\\1c&H0022D3FF}two",
    "0,0:00:01.20,0:00:01.90,Default,,0,0,0,,{\\an2\\pos(180,480)\\fscx70\\fscy70"
    "\\t(0,110,\\fscx100\\fscy100)}pop",
    "0,0:00:01.90,0:00:02.50,Default,,0,0,0,,{\\an7\\pos(100,400)\\bord0\\shad0\\p1}"
    "m 0 0 l 80 0 80 40 0 40{\\p0}",
]


def _ass() -> str:
    return HEAD.format(font=font_family(font_file())) + "".join(
        f"Dialogue: {e}\n" for e in EVENTS)


def test_change_frames_are_each_event_start_and_end_and_every_animated_frame() -> None:
    ranges = caption_change_frames(_ass(), FPS, FRAMES)
    assert ranges[:3] == [(0, 0), (3, 3), (18, 18)]  # 0.10 s -> frame 3, 0.57 s -> 17.1 -> 18
    assert (36, 57) in ranges  # the pop animates from 1.20 s to its end (1.90 s = frame 57)
    expression = select_expression(ranges)
    assert expression.count("between") + expression.count("eq(") == len(ranges)


def test_band_covers_the_lines_and_falls_back_to_the_frame() -> None:
    top, rows = caption_band(_ass(), W, H)
    assert top % 2 == 0 and rows % 2 == 0
    assert top < 440 - 36 and top + rows > 480
    assert caption_band(_ass().replace("\\pos(180,480)", "\\move(0,0,9,9)"), W, H) == (0, H)
    assert caption_band(_ass().replace(f"PlayResY: {H}", "PlayResY: 288"), W, H) == (0, H)


@pytest.mark.slow
def test_layer_gives_the_frames_libass_gives_on_every_frame(tmp_path: Path) -> None:
    (tmp_path / "fonts").mkdir()
    font = font_file()
    os.symlink(font, tmp_path / "fonts" / font.name.replace("[", "").replace("]", ""))
    (tmp_path / "captions.ass").write_text(_ass(), encoding="utf-8")
    layer = caption_layer(_ass(), W, H, FPS, FRAMES, SUBTITLES)
    assert layer is not None
    chain, top = layer
    graph = (f"testsrc2=s={W}x{H}:r={FPS},format=yuv420p,trim=end_frame={FRAMES},"
             f"settb=AVTB,split[a][b];[a]settb=1/{FPS},{SUBTITLES},format=yuv420p[old];"
             f"{chain}[caps];"
             f"[b]settb=1/{FPS}[m];[m][caps]overlay=y={top}:format=yuv420:eof_action=repeat,"
             "settb=AVTB,format=yuv420p[new];[new][old]psnr=stats_file=psnr.log[vout]")
    # libass is asked for each frame at pts × time base: both sides on 1/FPS, so both ask for
    # the same milliseconds (in microseconds 0.1 s is 99.999… ms, and a caption comes a frame late)
    run_ffmpeg(["-filter_complex", graph, "-map", "[vout]", "-f", "null", "-"], cwd=tmp_path)
    frames = (tmp_path / "psnr.log").read_text().splitlines()
    assert len(frames) == FRAMES
    luma = re.findall(r"psnr_y:(\S+)", "\n".join(frames))
    worst = min(float(v.replace("inf", "999")) for v in luma)
    assert worst > 45  # the same captions on every frame; blending order rounds a level or two
