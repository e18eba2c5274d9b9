"""Where each scene sits in time. Pure arithmetic, so it is easy to test and never cached.

Scene lengths come from the narration: a scene lasts from its first word to its last plus short
fixed silences (``GAP_S`` between scenes), and only the last scene holds longer, over the music,
to reach the length asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.domain import Cue, MusicChoice, Narration, Timeline, TimelineScene
from reelforge.providers.pacing import END_S, FIRST_LEAD_S, GAP_S

CROSSFADE_S = 0.5
#: A later scene's first word comes this far into its cross-fade (the picture turns with it).
NEXT_LEAD_S = 0.2
#: A scene (not the last) holds this long after its last word; with NEXT_LEAD_S and the
#: cross-fade that makes GAP_S of silence between one scene's words and the next one's.
TAIL_S = round(GAP_S + CROSSFADE_S - NEXT_LEAD_S, 3)
#: How far the silences may shrink when the words run longer than the video asked for.
MIN_GAP_S, MIN_END_S = 0.25, 0.5

__all__ = ["CROSSFADE_S", "END_S", "FIRST_LEAD_S", "GAP_S", "MIN_END_S", "MIN_GAP_S",
           "NEXT_LEAD_S", "TAIL_S", "build_timeline", "narration_durations", "scene_durations",
           "speech_span"]


def speech_span(narration: Narration) -> tuple[float, float]:
    """(first word, last word) in the narration's own audio: its cues, or the whole file."""
    if not narration.cues:
        return 0.0, narration.duration_s
    return narration.cues[0].start_s, narration.cues[-1].end_s


def _lead(index: int, first_word_s: float) -> float:
    """Scene start → first word. The first scene's audio may not start before the video."""
    return max(FIRST_LEAD_S, first_word_s) if index == 0 else NEXT_LEAD_S


def scene_durations(
    speech_s: list[float], target_total_s: float, crossfade_s: float = CROSSFADE_S,
    first_word_s: float = 0.0,
) -> list[float]:
    """Each scene as long as its words (first to last) plus short fixed silences; the last one
    holds (music only) until the video is as long as asked.

    Scenes overlap by ``crossfade_s``, so n scenes last Σd − (n−1)·crossfade. A scene's length
    depends only on its own narration, except the last one's, so a changed scene re-renders
    itself and the last clip only. When the words are longer than the target the video is
    longer: the writers size the words (``providers/pacing.py``) so that it is not.
    """
    n = len(speech_s)
    durations = []
    for i, speech in enumerate(speech_s):
        tail = END_S if i == n - 1 else TAIL_S
        durations.append(_lead(i, first_word_s) + speech + tail)
    total = sum(durations) - (n - 1) * crossfade_s
    if n and total < target_total_s:
        durations[-1] += target_total_s - total
    elif n and total > target_total_s:  # words ran long: the silences shrink before it grows
        room = (n - 1) * (GAP_S - MIN_GAP_S) + (END_S - MIN_END_S)
        share = min(1.0, (total - target_total_s) / room)
        durations = [d - share * ((END_S - MIN_END_S) if i == n - 1 else (GAP_S - MIN_GAP_S))
                     for i, d in enumerate(durations)]
    return [round(d, 3) for d in durations]


def narration_durations(narrations: list[Narration], target_total_s: float,
                        crossfade_s: float = CROSSFADE_S) -> list[float]:
    """``scene_durations`` from each scene's spoken words."""
    spans = [speech_span(n) for n in narrations]
    first = spans[0][0] if spans else 0.0
    return scene_durations([end - start for start, end in spans], target_total_s, crossfade_s,
                           first_word_s=first)


def build_timeline(
    durations: list[float],
    narrations: Sequence[Narration | None],
    clips: list[str],
    *,
    width: int,
    height: int,
    fps: int,
    music: MusicChoice | None = None,
    crossfade_s: float = CROSSFADE_S,
) -> Timeline:
    scenes: list[TimelineScene] = []
    cues: list[Cue] = []
    start = 0.0
    for i, (duration, narration, clip) in enumerate(zip(durations, narrations, clips, strict=True)):
        if narration is None:  # a montage's shot: nothing is said
            speech_start = start
        else:
            first_word, _ = speech_span(narration)
            speech_start = max(0.0, start + _lead(i, first_word) - first_word)
        scenes.append(
            TimelineScene(
                scene_index=i,
                start_s=round(start, 3),
                duration_s=duration,
                clip=clip,
                narration=narration.audio if narration is not None else "",
                narration_start_s=round(speech_start, 3),
            )
        )
        cues.extend(
            Cue(
                text=c.text,
                start_s=round(speech_start + c.start_s, 3),
                end_s=round(speech_start + c.end_s, 3),
            )
            for c in (narration.cues if narration is not None else [])
        )
        start += duration - crossfade_s
    total = round(start + crossfade_s, 3)
    return Timeline(
        width=width,
        height=height,
        fps=fps,
        crossfade_s=crossfade_s,
        duration_s=total,
        scenes=scenes,
        cues=cues,
        music=music,
    )
