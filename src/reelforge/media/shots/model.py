"""What shot detection produces: transitions between shots, and the shots they delimit.

Frames are display ordinals (0-based) and a shot's ``end_frame`` is exclusive, like a Python
range, so consecutive shots tile the file. Times are seconds from the container's start, taken
from real presentation timestamps (right for variable frame rates), and timecodes are strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from reelforge.media.shots.signals import FrameSeries

TransitionKind = Literal["cut", "fade", "dissolve"]
#: How a shot begins: the file's start, or the transition that led into it.
ShotStart = Literal["start", "cut", "fade", "dissolve"]


@dataclass(frozen=True)
class Transition:
    """A change of shot: a hard cut (one frame), or a fade/dissolve spanning several frames.

    ``cut_frame`` is the first frame of the new shot; ``start_frame``..``end_frame`` (exclusive)
    are the frames that are part of the change (for a hard cut just ``cut_frame``).
    ``exact`` is False when the frame before ``cut_frame`` was not decoded, so the cut may lie
    up to the gap earlier.
    """

    kind: TransitionKind
    cut_frame: int
    start_frame: int
    end_frame: int
    scores: dict[str, float] = field(default_factory=dict)
    exact: bool = True

    @property
    def length(self) -> int:
        return self.end_frame - self.start_frame


@dataclass(frozen=True)
class Shot:
    """One continuous shot: frames [start_frame, end_frame), its times and how it began."""

    index: int
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    start_timecode: str
    end_timecode: str
    transition: ShotStart
    transition_start_frame: int
    transition_end_frame: int
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def frame_count(self) -> int:
        return self.end_frame - self.start_frame

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, object]:
        """The JSON form used by `reelforge video shots --json` and the analysis schema."""
        return {
            "index": self.index,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "frame_count": self.frame_count,
            "start_s": round(self.start_s, 6),
            "end_s": round(self.end_s, 6),
            "duration_s": round(self.duration_s, 6),
            "start_timecode": self.start_timecode,
            "end_timecode": self.end_timecode,
            "transition": {
                "type": self.transition,
                "start_frame": self.transition_start_frame,
                "end_frame": self.transition_end_frame,
            },
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }


def timecode(seconds: float) -> str:
    """HH:MM:SS.mmm, the form PySceneDetect and most editors print."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


class Detector(Protocol):
    """A plug-in over a frame series: it reads the transitions found so far and returns the
    list it believes (adding cuts, removing false ones, or merging), like PySceneDetect's
    detectors but over whole arrays so each stays a few lines of numpy."""

    @property
    def name(self) -> str: ...  # read-only: the detectors are frozen dataclasses

    def __call__(self, series: FrameSeries, found: list[Transition]) -> list[Transition]: ...
