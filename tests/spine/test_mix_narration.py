"""The narration track: every scene's voice at its absolute start, at the voices' own rate when
they share one (FFmpeg's resampler takes it to 48 kHz in the mix), else at 48 kHz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from reelforge.assemble.render import MIX_RATE, mix_narration
from reelforge.domain import Timeline, TimelineScene


def _tone(path: Path, rate: int, seconds: float) -> str:
    t = np.arange(int(rate * seconds)) / rate
    sf.write(path, 0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32), rate)
    return path.name


def _timeline(tmp_path: Path, rates: tuple[int, int]) -> Timeline:
    scenes = [TimelineScene(scene_index=i, start_s=2.0 * i, duration_s=2.0, clip="c.mp4",
                            narration=_tone(tmp_path / f"n{i}.wav", rate, 1.0),
                            narration_start_s=2.0 * i + 0.5)
              for i, rate in enumerate(rates)]
    return Timeline(width=90, height=160, fps=10, crossfade_s=0.0, duration_s=4.0,
                    scenes=scenes, cues=[])


def _voiced_seconds(track: np.ndarray, rate: int) -> list[tuple[float, float]]:
    loud = np.flatnonzero(np.abs(track) > 0.1)
    breaks = np.flatnonzero(np.diff(loud) > rate // 10)
    starts = [loud[0], *loud[breaks + 1]]
    ends = [*loud[breaks], loud[-1]]
    return [(round(a / rate, 2), round(b / rate, 2)) for a, b in zip(starts, ends, strict=True)]


def test_voices_of_one_rate_are_mixed_at_that_rate_where_they_are_said(tmp_path: Path) -> None:
    out = tmp_path / "narration.wav"
    mix_narration(_timeline(tmp_path, (22_050, 22_050)), tmp_path, out)
    track, rate = sf.read(out, dtype="float32")
    assert rate == 22_050 and track.size == 4 * 22_050
    assert _voiced_seconds(track, rate) == [(0.5, 1.5), (2.5, 3.5)]


def test_voices_of_different_rates_are_resampled_to_the_mix_rate(tmp_path: Path) -> None:
    out = tmp_path / "narration.wav"
    mix_narration(_timeline(tmp_path, (22_050, 24_000)), tmp_path, out)
    track, rate = sf.read(out, dtype="float32")
    assert rate == MIX_RATE and track.size == 4 * MIX_RATE
    assert _voiced_seconds(track, rate) == [(0.5, 1.5), (2.5, 3.5)]
