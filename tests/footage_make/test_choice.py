"""The chooser: each scene its right shot, no shot twice, no look-alikes, the engine only
below the threshold, segments inside one shot."""

from __future__ import annotations

from dataclasses import replace

from reelforge.library.footage import FootageMatch, FootageShot
from reelforge.library.footage_choice import (
    ChoiceRules,
    SceneNeed,
    choose_footage,
    segment,
    treatment,
)

from .labelled import SCRIPT, UNRELATED, index_of, needs


def _described(choice, shots: list[FootageShot]) -> str:
    return next(s.description for s in shots if s.shot_id == choice.shot.shot_id)


def test_the_right_shot_is_chosen_for_at_least_nine_scenes_in_ten(library, encode) -> None:
    choices = choose_footage(needs(), index_of(library, encode))
    right = sum(c.shot is not None and _described(c, library).startswith(expected)
                for c, (_, _, expected, _) in zip(choices, SCRIPT, strict=True))
    assert right / len(SCRIPT) >= 0.9, [c.reason for c in choices]


def test_no_shot_is_used_twice_even_when_scenes_ask_for_the_same_thing(library, encode) -> None:
    dog = SCRIPT[0]
    script = [dog, (dog[0], dog[1], dog[2], 2.0), (dog[0], dog[1], dog[2], 2.0)]
    choices = choose_footage(needs(script), index_of(library, encode))
    shown = [c.shot.shot_id for c in choices if c.shot is not None]
    assert len(shown) == len(set(shown))


def test_only_a_scene_below_the_threshold_falls_back_to_the_engine(library, encode) -> None:
    narration, visual, seconds = UNRELATED
    script = [*SCRIPT[:4], (narration, visual, "", seconds), *SCRIPT[4:6]]
    choices = choose_footage(needs(script), index_of(library, encode))
    engine = [c.scene_index for c in choices if c.shot is None]
    assert engine == [4]
    assert choices[4].treatment == "engine" and "below 0.30" in choices[4].reason


def test_near_duplicates_are_never_both_shown(library, encode) -> None:
    dog = next(s for s in library if s.description.startswith("a dog"))
    twin = replace(dog, shot_id="other-file#0", source="/elsewhere/dog-copy.mp4",
                   image_hash=dog.image_hash ^ 0b101)  # 2 bits apart: the same picture
    index = index_of([*library, twin], encode)
    choices = choose_footage(needs([SCRIPT[0], SCRIPT[0]]), index)
    shown = {c.shot.shot_id for c in choices if c.shot is not None}
    assert not {dog.shot_id, twin.shot_id} <= shown
    assert choices[0].shot is not None


class _Fixed:
    """An index that answers fixed similarities: query text → [(shot, score)]."""

    def __init__(self, answers: dict[str, list[tuple[FootageShot, float]]]) -> None:
        self.answers = answers

    def __len__(self) -> int:
        return len({s.shot_id for found in self.answers.values() for s, _ in found})

    def search(self, text, k=10, *, kind=None, min_duration_s=0.0):
        return [FootageMatch(s, score, "fixed") for s, score in self.answers[text]][:k]


def _shot(name: str, seconds: float = 10.0, source: str | None = None,
          image_hash: int = 0) -> FootageShot:
    return FootageShot(shot_id=name, source=source or f"/f/{name}.mp4", kind="video",
                       start_s=0.0, end_s=seconds, width=160, height=90, description=name,
                       image_hash=image_hash)


def test_the_choice_is_global_a_shot_goes_where_the_video_gains_most() -> None:
    x, y, z = _shot("x"), _shot("y"), _shot("z")
    a, b = SceneNeed(0, "a", "", 3.0), SceneNeed(1, "b", "", 3.0)
    index = _Fixed({a.query: [(x, 0.62), (y, 0.58)], b.query: [(x, 0.60), (z, 0.31)]})
    choices = choose_footage([a, b], index)
    # greedy by best score would give x to a and z (0.31) to b; the sum is best this way
    assert [c.shot.shot_id for c in choices] == ["y", "x"]
    assert choices[0].runner_up is None or choices[0].runner_up.shot_id != "x"


def test_the_runner_up_is_the_best_shot_no_scene_took() -> None:
    x, y, z = _shot("x"), _shot("y"), _shot("z")
    a = SceneNeed(0, "a", "", 3.0)
    choices = choose_footage([a], _Fixed({a.query: [(x, 0.7), (y, 0.6), (z, 0.5)]}))
    assert choices[0].shot.shot_id == "x" and choices[0].runner_up.shot_id == "y"


def test_a_file_not_used_yet_wins_a_near_tie() -> None:
    one, two = _shot("one", source="/f/a.mp4"), _shot("two", source="/f/a.mp4")
    other = _shot("other", source="/f/b.mp4")
    a, b = SceneNeed(0, "a", "", 3.0), SceneNeed(1, "b", "", 3.0)
    index = _Fixed({a.query: [(one, 0.70)], b.query: [(two, 0.60), (other, 0.58)]})
    assert [c.shot.source for c in choose_footage([a, b], index)] == ["/f/a.mp4", "/f/b.mp4"]
    far = _Fixed({a.query: [(one, 0.70)], b.query: [(two, 0.60), (other, 0.45)]})
    assert [c.shot.source for c in choose_footage([a, b], far)] == ["/f/a.mp4", "/f/a.mp4"]


def test_a_long_enough_shot_beats_a_slightly_closer_short_one() -> None:
    short, long = _shot("short", seconds=1.0), _shot("long", seconds=8.0)
    a = SceneNeed(0, "a", "", 6.0)
    choice = choose_footage([a], _Fixed({a.query: [(short, 0.55), (long, 0.52)]}))[0]
    assert choice.shot.shot_id == "long" and choice.treatment == "cut"


def test_the_segment_is_the_middle_of_one_shot_never_across_a_cut() -> None:
    shot = replace(_shot("s"), start_s=2.0, end_s=6.0)
    assert segment(shot, 3.0) == (2.5, 5.5)
    assert segment(shot, 3.9) == (2.05, 5.95)  # clear of the cuts
    assert segment(shot, 9.0) == (2.0, 6.0)  # too short: the whole shot, never beyond


def test_a_short_shot_is_slowed_a_little_and_looped_beyond() -> None:
    shot = replace(_shot("s"), start_s=0.0, end_s=2.0)
    rules = ChoiceRules(min_score=0.0)
    a = SceneNeed(0, "a", "", 2.6)
    slowed = choose_footage([a], _Fixed({a.query: [(shot, 0.5)]}), rules)[0]
    assert slowed.treatment == "slow" and 0.76 < slowed.speed < 0.78
    assert "2.0 s" in slowed.reason and "2.6 s" in slowed.reason
    b = SceneNeed(0, "b", "", 5.0)
    looped = choose_footage([b], _Fixed({b.query: [(shot, 0.5)]}), rules)[0]
    assert looped.treatment == "loop" and "3.0 s missing" in looped.reason


def test_a_picture_fills_any_length_with_a_slow_zoom() -> None:
    picture = FootageShot(shot_id="p", source="/f/p.jpg", kind="picture", start_s=0, end_s=0,
                          width=400, height=300, description="p")
    a = SceneNeed(0, "a", "", 12.0)
    choice = choose_footage([a], _Fixed({a.query: [(picture, 0.5)]}))[0]
    assert choice.treatment == "ken-burns" and (choice.shot.start_s, choice.shot.end_s) == (0, 0)
    assert treatment(choice.shot, 12.0)[0] == "ken-burns"


def _looking(name: str, colours: tuple[str, ...], brightness: float) -> FootageShot:
    return replace(_shot(name), colours=colours, brightness=brightness)


def test_colours_and_light_the_scene_asks_for_break_a_near_tie() -> None:
    blue_day = _looking("blue-day", ("blue", "white"), 0.8)
    orange_night = _looking("orange-night", ("orange", "black"), 0.15)
    unknown = _shot("unknown")  # no colours, brightness 0: its looks are not known
    asks = {"a blue sea": SceneNeed(0, "The sea.", "a blue sea", 3.0),
            "at night in the dark street": SceneNeed(0, "Streets.", "at night in the dark street",
                                                     3.0),
            "a street": SceneNeed(0, "Streets.", "a street", 3.0, mood="happy")}
    shots = [orange_night, blue_day, unknown]
    answers = {need.query: [(s, 0.50) for s in shots] for need in asks.values()}
    index = _Fixed(answers)
    chosen = {visual: choose_footage([need], index)[0] for visual, need in asks.items()}
    assert chosen["a blue sea"].shot.shot_id == "blue-day"
    assert "colour blue as asked" in chosen["a blue sea"].reason
    assert chosen["at night in the dark street"].shot.shot_id == "orange-night"
    assert chosen["a street"].shot.shot_id == "blue-day"  # a happy mood leans bright
    assert "happy mood" in chosen["a street"].reason
    # similarity still decides: a clearly better match wins whatever it looks like
    better = {asks["a blue sea"].query: [(orange_night, 0.60), (blue_day, 0.50)]}
    assert choose_footage([asks["a blue sea"]], _Fixed(better))[0].shot.shot_id == "orange-night"


def test_a_scene_that_asks_nothing_of_the_looks_scores_by_similarity_alone() -> None:
    from reelforge.library.footage_choice import look_agreement

    need = SceneNeed(0, "Our puppy runs.", "dog on the beach", 3.0)
    assert look_agreement(need, _looking("x", ("blue",), 0.9)) == (0.0, "")
    dark = SceneNeed(0, "Night falls.", "a dark alley", 3.0)
    assert look_agreement(dark, _shot("unknown")) == (0.0, "")
    assert look_agreement(dark, _looking("b", ("grey",), 0.9))[0] == -1.0
