"""Where each scene sits in time. Pure arithmetic, so it is easy to test and never cached."""

from __future__ import annotations

from reelforge.domain import Cue, MusicChoice, Narration, Timeline, TimelineScene

CROSSFADE_S = 0.5
FIRST_LEAD_S = 0.25  # silence before the first words
TAIL_S = 0.25  # breathing room after a scene's last word, before the next cross-fade
END_S = 0.9  # the last scene lingers after the last word


def scene_durations(
    narration_s: list[float], target_total_s: float, crossfade_s: float = CROSSFADE_S
) -> list[float]:
    """Each scene long enough for its narration, and together as close to the target as allowed.

    Scenes overlap by ``crossfade_s``, so n scenes of d each last n·d − (n−1)·crossfade.
    """
    n = len(narration_s)
    return [
        scene_duration(i, n, speech, target_total_s, crossfade_s)
        for i, speech in enumerate(narration_s)
    ]


def scene_duration(
    index: int, count: int, speech_s: float, target_total_s: float, crossfade_s: float = CROSSFADE_S
) -> float:
    """One scene's duration; it depends on its own narration only, so scenes render in parallel."""
    even = (target_total_s + (count - 1) * crossfade_s) / count
    lead = FIRST_LEAD_S if index == 0 else crossfade_s
    tail = END_S if index == count - 1 else TAIL_S + crossfade_s
    return round(max(even, lead + speech_s + tail), 3)


def build_timeline(
    durations: list[float],
    narrations: list[Narration],
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
        speech_start = start + (FIRST_LEAD_S if i == 0 else crossfade_s)
        scenes.append(
            TimelineScene(
                scene_index=i,
                start_s=round(start, 3),
                duration_s=duration,
                clip=clip,
                narration=narration.audio,
                narration_start_s=round(speech_start, 3),
            )
        )
        cues.extend(
            Cue(
                text=c.text,
                start_s=round(speech_start + c.start_s, 3),
                end_s=round(speech_start + c.end_s, 3),
            )
            for c in narration.cues
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
