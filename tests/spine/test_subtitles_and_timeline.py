"""Sentences and the timeline (caption layout and files: tests/captions)."""

from __future__ import annotations

import pytest

from reelforge.domain import Cue, Narration
from reelforge.pipeline.timeline import (
    CROSSFADE_S,
    NEXT_LEAD_S,
    build_timeline,
    scene_durations,
)
from reelforge.text import split_sentences


def test_sentences_split_and_long_ones_break_at_clauses() -> None:
    text = "Hi there. " + "This is a long sentence, with clauses, " * 4 + "ending here."
    parts = split_sentences(text, max_chars=60)
    assert parts[0] == "Hi there."
    assert all(len(p) <= 60 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_scenes_fit_narration_and_hit_the_target_when_they_can() -> None:
    durations = scene_durations([2.0, 2.0, 2.0], target_total_s=30)
    assert sum(durations) - 2 * CROSSFADE_S == pytest.approx(30, abs=0.01)
    long = scene_durations([12.0, 2.0, 2.0], target_total_s=15)
    assert long[0] >= 12.0 + 0.25  # the words always fit; silences shrink, never the words


def test_timeline_places_cues_at_absolute_times() -> None:
    narr = [
        Narration(
            scene_index=i,
            audio=f"n{i}.wav",
            duration_s=2,
            sample_rate=22050,
            cues=[Cue(text=f"s{i}", start_s=0.1, end_s=1.9)],
            engine="x",
            voice="joe",
        )
        for i in range(2)
    ]
    timeline = build_timeline([5.0, 5.0], narr, ["a.mp4", "b.mp4"], width=1080, height=1920, fps=30)
    assert timeline.duration_s == pytest.approx(9.5)
    assert timeline.scenes[1].start_s == pytest.approx(4.5)
    assert timeline.cues[1].start_s == pytest.approx(4.5 + NEXT_LEAD_S)  # first word, mid-fade
