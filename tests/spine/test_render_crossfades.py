"""The render's cross-fades: the timeline cut into pieces gives, frame for frame, the picture a
chain of ``xfade`` filters gives (the plain way to write it, and what the render did before)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelforge.assemble.render import SCALE_FLAGS, _clip_rate, _video_graph
from reelforge.domain import Timeline, TimelineScene
from reelforge.media.ffmpeg import run_ffmpeg

W, H, FPS = 36, 64, 20


def _chain_graph(timeline: Timeline) -> str:
    """Every clip fitted, then cross-faded into the running result at its start time."""
    parts = [f"[{i}:v]fps={FPS},scale={W}:{H}:force_original_aspect_ratio=increase"
             f":flags={SCALE_FLAGS},"
             f"crop={W}:{H},setsar=1,format=yuv420p,trim=duration={s.duration_s:.3f},"
             f"setpts=PTS-STARTPTS[v{i}]" for i, s in enumerate(timeline.scenes)]
    last = "v0"
    for i, scene in enumerate(timeline.scenes[1:], start=1):
        parts.append(f"[{last}][v{i}]xfade=transition=fade:duration={timeline.crossfade_s:.3f}"
                     f":offset={scene.start_s:.3f}[x{i}]")
        last = f"x{i}"
    return ";".join(parts) + f";[{last}]format=yuv420p[vout]"


def _luma(timeline: Timeline, clips: list[Path], graph: str, out: Path) -> np.ndarray:
    inputs: list[str] = []
    for scene, clip in zip(timeline.scenes, clips, strict=True):
        inputs += ["-stream_loop", "-1", "-t", f"{scene.duration_s + 0.5:.3f}", "-i", str(clip)]
    frames = round(timeline.duration_s * FPS)
    run_ffmpeg([*inputs, "-filter_complex", graph, "-map", "[vout]", "-frames:v", str(frames),
                "-f", "rawvideo", "-pix_fmt", "gray", str(out)])
    return np.fromfile(out, np.uint8).reshape(-1, H, W)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three moving test patterns: half size at 10 fps (as the local renderer makes them),
    full size at 30 fps (faster than the output), and half size at 20 fps."""
    folder = tmp_path_factory.mktemp("xfade")
    made = []
    for i, (size, rate) in enumerate([((18, 32), 10), ((36, 64), 30), ((18, 32), 20)]):
        path = folder / f"clip-{i}.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s={size[0]}x{size[1]}:r={rate}:d=3",
                    "-vf", f"hue=h={120 * i}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-qp", "0", "-pix_fmt", "yuv420p", str(path)])
        made.append(path)
    return made


def _timeline(durations: list[float], clips: list[Path], crossfade_s: float = 0.5) -> Timeline:
    scenes, start = [], 0.0
    for i, (duration, clip) in enumerate(zip(durations, clips, strict=True)):
        scenes.append(TimelineScene(scene_index=i, start_s=round(start, 3), duration_s=duration,
                                    clip=str(clip), narration="", narration_start_s=0.0))
        start += duration - crossfade_s
    return Timeline(width=W, height=H, fps=FPS, crossfade_s=crossfade_s,
                    duration_s=round(start + crossfade_s, 3), scenes=scenes, cues=[])


def test_cut_pieces_give_the_frames_of_a_chain_of_xfades(clips: list[Path],
                                                         tmp_path: Path) -> None:
    timeline = _timeline([1.23, 1.37, 1.11], clips)  # starts off the frame grid: 0.73, 1.6
    rates = [_clip_rate(c) for c in clips]
    assert rates == [10.0, 30.0, 20.0]  # both orders of fps and scale are exercised
    ours = _luma(timeline, clips, _video_graph(timeline, False, rates), tmp_path / "ours.raw")
    chain = _luma(timeline, clips, _chain_graph(timeline), tmp_path / "chain.raw")
    assert ours.shape == chain.shape == (round(timeline.duration_s * FPS), H, W)
    assert np.array_equal(ours, chain)


def test_a_single_scene_and_no_crossfade_render_too(clips: list[Path], tmp_path: Path) -> None:
    single = _timeline([1.5], clips[:1])
    assert _luma(single, clips[:1], _video_graph(single, False), tmp_path / "a.raw").shape[0] == 30
    cut = _timeline([1.0, 1.2], clips[:2], crossfade_s=0.0)
    frames = _luma(cut, clips[:2], _video_graph(cut, False), tmp_path / "b.raw")
    assert frames.shape[0] == 44
    assert np.array_equal(frames[19], _luma(single, clips[:1], _video_graph(single, False),
                                            tmp_path / "c.raw")[19])  # still scene 1
    assert not np.array_equal(frames[20], frames[19])  # a hard cut at 1.0 s
