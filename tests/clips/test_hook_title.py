"""The hook title (``--hook-title``, ``hook_title`` in the API and the studio): each clip's
first sentence over its first seconds, near the top, wrapped to fit, then gone."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from reelforge.library.moments import Moment, MomentScores
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.services.clips import ClipRequest, hook_title_text, render_clip
from reelforge.settings import Settings

TEXT = ("Why does an octopus have three hearts? It sounds impossible, but every octopus is "
        "born with them.")


def _moment(text: str = TEXT, start: float = 0.5, end: float = 5.5) -> Moment:
    scores = MomentScores(1.0, 1.0, 1.0, 1.0, 1.0, None, 1.0)
    return Moment(start_s=start, end_s=end, speech_start_s=start, speech_end_s=end, first=0,
                  last=1, text=text, scores=scores, reason="")


def test_the_title_is_the_first_sentence_cut_after_twelve_words() -> None:
    assert hook_title_text(_moment()) == "Why does an octopus have three hearts?"
    long = _moment("One two three four five six seven eight nine ten eleven twelve thirteen. "
                   "Next.")
    assert hook_title_text(long) == ("One two three four five six seven eight nine ten eleven "
                                     "twelve…")


@pytest.fixture(scope="module")
def grey_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("grey") / "grey.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x606060:s=480x270:r=10:d=6", "-f", "lavfi",
                "-i", "anullsrc=r=16000:cl=mono", "-t", "6", "-c:v", "libx264", "-preset",
                "ultrafast", "-c:a", "aac", str(path)], ffmpeg=find_ffmpeg())
    return path


def _frames_at(path: Path, times: list[float]) -> list[np.ndarray]:
    found: list[np.ndarray] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            due = times[len(found)] if len(found) < len(times) else None
            if due is not None and frame.time is not None and frame.time >= due:
                found.append(frame.to_ndarray(format="gray"))
    return found


def _bright_in_title_band(frame: np.ndarray) -> int:
    top = frame[: frame.shape[0] // 2]  # the title sits in the upper part
    return int((top > 200).sum())


@pytest.mark.parametrize("with_title", [True, False])
def test_the_title_shows_over_the_first_seconds_then_is_gone(
        grey_video: Path, tmp_path: Path, settings: Settings, with_title: bool) -> None:
    out = tmp_path / "clip.mp4"
    request = ClipRequest(video=grey_video, out_dir=tmp_path, aspect="9:16", captions="none",
                          hook_title=with_title)
    made = render_clip(grey_video, out, _moment(), [], request,
                       settings.model_copy(update={"x264_preset": "ultrafast"}))
    assert made.title == ("Why does an octopus have three hearts?" if with_title else "")
    early, late = _frames_at(out, [1.0, 4.0])
    assert early.shape == (270, 152)  # 9:16 of a 480x270 source
    if with_title:
        assert _bright_in_title_band(early) > 100  # white letters on the grey
        assert _bright_in_title_band(late) == 0  # faded out by 3 s
        rows = np.nonzero((early > 200).any(axis=1))[0]
        assert rows.min() >= 270 * 0.1 and rows.max() < 270 * 0.5
        columns = np.nonzero((early > 200).any(axis=0))[0]
        assert columns.min() > 0 and columns.max() < 151  # wrapped inside the frame
    else:
        assert _bright_in_title_band(early) == 0
