"""Pacing that fits the request: scenes as long as their words, short silences between them,
and the finished video as long as asked."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import av
import pytest

from reelforge.domain import Brief, Cue, Narration, Timeline
from reelforge.pipeline.runner import make_video
from reelforge.pipeline.timeline import (
    CROSSFADE_S,
    GAP_S,
    build_timeline,
    narration_durations,
    scene_durations,
)
from reelforge.providers import pacing
from reelforge.providers.script.template import TemplateScriptWriter
from reelforge.settings import Settings


def _narration(i: int, words_s: float, lead: float = 0.15) -> Narration:
    return Narration(scene_index=i, audio=f"n{i}.wav", duration_s=words_s + 2 * lead,
                     sample_rate=22050, cues=[Cue(text=f"s{i}", start_s=lead,
                                                  end_s=lead + words_s)],
                     engine="x", voice="joe")


def _gaps(timeline: Timeline) -> list[float]:
    cues = timeline.cues
    return [b.start_s - a.end_s for a, b in itertools.pairwise(cues)]


@pytest.mark.parametrize("target", [10.0, 30.0, 90.0])
def test_the_last_scene_holds_so_the_video_lasts_what_was_asked(target: float) -> None:
    narrations = [_narration(i, target / 6) for i in range(4)]
    durations = narration_durations(narrations, target)
    timeline = build_timeline(durations, narrations, ["c"] * 4, width=1080, height=1920, fps=30)
    assert timeline.duration_s == pytest.approx(target, abs=0.01)
    assert max(_gaps(timeline)) <= 0.6  # the slack is a music-only ending, not silences between
    assert all(g == pytest.approx(GAP_S, abs=0.01) for g in _gaps(timeline))


def test_a_scene_lasts_as_long_as_its_words_not_an_even_share() -> None:
    short, long = scene_durations([5.0, 2.0, 8.0, 3.0], target_total_s=20.0)[1:3]
    assert long - short == pytest.approx(6.0, abs=0.01)


def test_words_longer_than_the_target_shrink_the_silences_before_the_video_grows() -> None:
    speech = [3.0, 3.0, 3.0]
    relaxed = sum(scene_durations(speech, 0.0 + 100)) - 2 * CROSSFADE_S
    natural = sum(scene_durations(speech, 1.0)) - 2 * CROSSFADE_S  # far too short a target
    assert natural < sum(speech) + 0.25 + 0.9 + 2 * GAP_S  # shrunk …
    assert natural >= sum(speech) + 0.25  # … but every word still fits
    assert relaxed == pytest.approx(100, abs=0.01)


def test_the_first_scene_never_starts_its_audio_before_the_video() -> None:
    narrations = [_narration(0, 3.0, lead=0.6), _narration(1, 3.0)]
    timeline = build_timeline(narration_durations(narrations, 8.0), narrations, ["a", "b"],
                              width=1080, height=1920, fps=30)
    assert timeline.scenes[0].narration_start_s >= 0
    assert timeline.cues[0].start_s >= 0.25


@pytest.mark.parametrize("emotion", ["neutral", "sad", "excited"])
@pytest.mark.parametrize("duration", [10.0, 30.0, 90.0, 240.0])
def test_the_template_writer_sizes_the_script_to_the_voice_pace(duration: float,
                                                                emotion: str) -> None:
    brief = Brief(prompt="Why octopuses are smarter than you think", duration_s=duration,
                  emotion=emotion)
    plan = TemplateScriptWriter().write(brief).plan
    said = sum(pacing.speech_seconds(s.narration, emotion) for s in plan.scenes)
    budget = pacing.speech_budget(duration, len(plan.scenes))
    assert 0.85 * budget - 0.6 <= said <= budget + 0.5  # within a short sentence


# --- full offline makes: the finished file is as long as asked ----------------------------------


def _video_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        assert container.duration is not None
        return container.duration / 1_000_000


@pytest.mark.slow
@pytest.mark.parametrize(("duration", "prompt"), [
    (10.0, "How volcanoes form"),
    (30.0, "Why octopuses are smarter than you think"),
    (90.0, "The story of the first lighthouse"),
])
def test_an_offline_make_lasts_what_was_asked_within_3_percent(
        duration: float, prompt: str, spine_settings: Settings) -> None:
    made = make_video(Brief(prompt=prompt, duration_s=duration), spine_settings,
                      Path(spine_settings.out_dir))
    seconds = _video_seconds(made.job_dir / "final.mp4")
    assert seconds == pytest.approx(duration, rel=0.03)
    timeline = Timeline.model_validate(
        json.loads((made.job_dir / "plan.json").read_text())["timeline"])
    assert max(_gaps(timeline)) <= 0.6  # no dead air between sentences or scenes
    music_only_ending = timeline.duration_s - timeline.cues[-1].end_s
    # the voice fills the video; the music-only ending takes what whole sentences could not
    assert music_only_ending <= 1.5 + 0.1 * duration
