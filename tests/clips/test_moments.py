"""Moments from heard words alone (no media): whole sentences, within the length range, the
stand-alone hook chosen, the dangling continuation not, a topic asked for wins."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from tests.clips.talk import BREAD, DANGLING, HOOK, INTRO, PARAGRAPHS, TRAINS, timed_words

from reelforge.library.moments import (
    Moment,
    MomentRules,
    activity_moments,
    dangling_opener,
    find_moments,
    hook_of,
    sentences_of,
)


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder()


def test_sentences_end_on_full_stops_and_questions() -> None:
    words, _ = timed_words([HOOK])
    sentences = sentences_of(words)
    assert [s.text for s in sentences][:2] == ["Why does an octopus have three hearts?",
                                               "It sounds impossible, but every octopus is "
                                               "born with them."]
    assert sentences[0].start_s == words[0].start_s and sentences[-1].end_s == words[-1].end_s


def test_a_long_pause_ends_a_sentence_without_punctuation() -> None:
    words, _ = timed_words(["so we waited", "then it rained."], paragraph_gap_s=2.0)
    assert [s.text for s in sentences_of(words)] == ["so we waited", "then it rained."]


def test_dangling_openers_and_hooks_are_recognised() -> None:
    assert dangling_opener("As I said, this was it.") == ("as i said", 1.0)
    assert dangling_opener("So that's why they left.") == ("so that's why", 1.0)
    assert dangling_opener("And then it rained.") is not None
    assert dangling_opener("Bakers start early.") is None
    assert dangling_opener("Android phones are common.") is None  # a word, not the opener
    assert hook_of("Why does an octopus have three hearts?")[0] >= 0.9
    assert hook_of("The dough rests overnight.")[0] == 0.0


def test_every_moment_is_whole_sentences_within_the_range(encoder) -> None:  # type: ignore[no-untyped-def]
    words, _ = timed_words(PARAGRAPHS)
    rules = MomentRules(min_s=6.0, max_s=16.0)
    moments = find_moments(words, 4, rules, encoder=encoder)
    assert len(moments) == 4
    firsts = {w.start_s for s in sentences_of(words) for w in [words[s.first]]}
    lasts = {words[s.last].end_s for s in sentences_of(words)}
    for m in moments:
        assert m.speech_start_s in firsts and m.speech_end_s in lasts
        assert rules.min_s <= m.duration_s <= rules.max_s
        inside = [w for w in words if w.end_s > m.start_s and w.start_s < m.end_s]
        assert all(m.start_s <= w.start_s and w.end_s <= m.end_s for w in inside), \
            "a cut falls inside a word"
        assert m.reason
    ordered = sorted(moments, key=lambda m: m.start_s)
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(ordered))


def test_the_hook_is_chosen_and_the_dangling_continuation_is_not(encoder) -> None:  # type: ignore[no-untyped-def]
    words, spans = timed_words(PARAGRAPHS)
    moments = find_moments(words, 3, MomentRules(min_s=6.0, max_s=16.0), encoder=encoder)
    hook_start, _hook_end = spans[PARAGRAPHS.index(HOOK)]
    dangling_start, dangling_end = spans[PARAGRAPHS.index(DANGLING)]
    assert moments[0].speech_start_s == hook_start, moments[0].text
    assert "question" in moments[0].reason
    for m in moments:
        assert m.speech_end_s < dangling_start or m.speech_start_s > dangling_end, m.text


def test_a_topic_asked_for_is_preferred(encoder) -> None:  # type: ignore[no-untyped-def]
    words, spans = timed_words(PARAGRAPHS)
    rules = MomentRules(min_s=6.0, max_s=16.0)
    trains = find_moments(words, 1, rules, encoder=encoder, about="railways in the mountains")
    bread = find_moments(words, 1, rules, encoder=encoder, about="baking bread")
    assert spans[PARAGRAPHS.index(TRAINS)][0] <= trains[0].speech_start_s
    assert spans[PARAGRAPHS.index(BREAD)][0] <= bread[0].speech_start_s \
        <= spans[PARAGRAPHS.index(BREAD)][1]
    assert "topic" in bread[0].reason


def test_chosen_moments_spread_across_topics(encoder) -> None:  # type: ignore[no-untyped-def]
    words, spans = timed_words(PARAGRAPHS)
    moments = find_moments(words, 3, MomentRules(min_s=3.0, max_s=8.0, diversity=0.5),
                           encoder=encoder)
    paragraphs_hit = {next(k for k, (a, b) in enumerate(spans) if a <= m.speech_start_s <= b)
                      for m in moments}
    assert len(paragraphs_hit) == 3


def test_a_talk_shorter_than_the_shortest_moment_gives_none() -> None:
    words, _ = timed_words([HOOK])
    assert find_moments(words, 3, MomentRules(min_s=60.0, max_s=90.0)) == []


def test_shot_changes_at_the_edges_count_in_the_reason() -> None:
    words, spans = timed_words(PARAGRAPHS)
    moments = find_moments(words, 5, MomentRules(min_s=6.0, max_s=16.0),
                           shot_changes_s=[a - 0.3 for a, _ in spans])
    assert any("shot change" in m.reason for m in moments)


def test_without_speech_the_busiest_stretches_are_chosen() -> None:
    activity = np.zeros(120)
    activity[30:50] = 1.0
    activity[90:100] = 0.8
    moments = activity_moments(activity, 1.0, 2, MomentRules(min_s=10.0, max_s=20.0))
    assert (moments[0].start_s, moments[0].end_s) == (30, 50)
    assert moments[1].start_s >= 50 and moments[1].start_s <= 90 and moments[1].end_s >= 100


def test_a_raised_voice_scores_higher_energy_than_the_talks_usual_level() -> None:
    """Audio energy: the same kind of speech, one paragraph 8 dB louder than the speaker's
    norm, one 8 dB quieter: each says so, and scores above or below the talk's usual level."""
    paragraphs = [INTRO, BREAD, TRAINS, HOOK]
    words, spans = timed_words(paragraphs)
    seconds = np.arange(int(spans[-1][1]) + 3) + 0.5
    levels = np.full(seconds.size, -30.0)
    levels[(seconds < spans[0][0]) | (seconds > spans[-1][1])] = -90.0  # silence around
    train_start, train_end = spans[paragraphs.index(TRAINS)]
    levels[(seconds > train_start) & (seconds < train_end)] = -22.0
    bread_start, bread_end = spans[paragraphs.index(BREAD)]
    levels[(seconds > bread_start) & (seconds < bread_end)] = -38.0
    rules = MomentRules(min_s=6.0, max_s=16.0)
    moments = find_moments(words, 10, rules, sound_levels_db=levels.tolist())

    def inside(start: float, end: float) -> list[Moment]:
        return [m for m in moments if start - 0.5 <= m.speech_start_s and m.speech_end_s <= end]

    (loud,), (quiet,) = inside(train_start, train_end), inside(bread_start, bread_end)
    assert loud.scores.energy is not None and loud.scores.energy >= 0.9
    assert quiet.scores.energy is not None and quiet.scores.energy <= 0.1
    assert "livelier than the rest of the talk (+8 dB)" in loud.reason
    assert "quieter than the rest of the talk (-8 dB)" in quiet.reason
    others = [m for m in moments if m not in (loud, quiet)]
    assert others and all(0.4 <= (m.scores.energy or 0) <= 0.6 for m in others)
    # the same talk without levels: no energy score; the loud moment gains, the quiet loses
    plain = {m.text: m.scores.total for m in find_moments(words, 10, rules)}
    assert all(m.scores.energy is None for m in find_moments(words, 10, rules))
    assert loud.scores.total > plain[loud.text] + 0.04
    assert quiet.scores.total < plain[quiet.text] - 0.04


def test_sound_levels_stream_second_by_second_in_bounded_memory(tmp_path: Path) -> None:
    """media.sound_level on a real file: each second's RMS level (a -20 dBFS then a -6 dBFS
    sine) within half a dB, no sound is no levels, and ten minutes of sound never sit in
    memory at once (9.6 MB at 8 kHz; Python's peak stays under 1 MB)."""
    import tracemalloc

    from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
    from reelforge.media.sound_level import levels_per_second

    ffmpeg = find_ffmpeg()
    steps = tmp_path / "steps.m4a"
    # a sine of amplitude A has RMS A/sqrt(2): -20 dBFS RMS is A = 0.1414, -6 dBFS A = 0.7096
    run_ffmpeg(["-f", "lavfi", "-i", "aevalsrc='if(lt(t,3),0.1414,0.7096)*sin(2*PI*440*t)'"
                ":s=44100:d=6", "-c:a", "pcm_s16le", str(steps.with_suffix(".wav"))],
               ffmpeg=ffmpeg)
    levels = levels_per_second(steps.with_suffix(".wav"), ffmpeg)
    assert len(levels) == 6
    assert all(abs(v + 20) < 0.5 for v in levels[:3]), levels
    assert all(abs(v + 6) < 0.5 for v in levels[3:]), levels
    silent = tmp_path / "silent.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=s=32x32:r=5:d=1", "-c:v", "libx264", "-preset",
                "ultrafast", str(silent)], ffmpeg=ffmpeg)
    assert levels_per_second(silent, ffmpeg) == []
    long = tmp_path / "long.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=f=300:r=8000:d=600", "-c:a", "aac", "-b:a", "24k",
                str(long)], ffmpeg=ffmpeg)
    tracemalloc.start()
    try:
        levels = levels_per_second(long, ffmpeg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 599 <= len(levels) <= 601
    assert peak < 1_000_000, peak
