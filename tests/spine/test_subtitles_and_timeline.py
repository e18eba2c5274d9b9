from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.assemble.subtitles import break_lines, chunk_cues, parse_srt, write_srt
from reelforge.domain import Cue, Narration
from reelforge.pipeline.timeline import (
    CROSSFADE_S,
    NEXT_LEAD_S,
    build_timeline,
    scene_durations,
)
from reelforge.text import split_sentences


def test_lines_break_between_words_and_balance() -> None:
    lines = break_lines("Scientists have studied octopuses for years", 24)
    assert len(lines) == 2 and all(len(line) <= 24 for line in lines)
    assert " ".join(lines) == "Scientists have studied octopuses for years"
    assert abs(len(lines[0]) - len(lines[1])) <= 10


def test_long_cue_is_split_into_even_two_line_chunks_with_shared_time() -> None:
    cue = Cue(
        text="The short answer has to do with problems we rarely notice in daily life.",
        start_s=1.0,
        end_s=5.0,
    )
    chunks = chunk_cues([cue], 24)
    assert len(chunks) == 2
    assert chunks[0].start_s == 1.0 and chunks[-1].end_s == 5.0
    assert chunks[0].end_s == chunks[1].start_s
    assert all(len(c.text.splitlines()) <= 2 for c in chunks)
    assert min(len(c.text) for c in chunks) > 15  # no stranded word


def test_srt_round_trips(tmp_path: Path) -> None:
    cues = [
        Cue(text="Hello\nthere", start_s=0.5, end_s=1.25),
        Cue(text="Bye", start_s=61, end_s=62),
    ]
    write_srt(cues, tmp_path / "a.srt")
    assert (tmp_path / "a.srt").read_text().startswith("1\n00:00:00,500 --> 00:00:01,250\nHello")
    assert parse_srt((tmp_path / "a.srt").read_text()) == cues


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
