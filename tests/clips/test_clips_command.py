"""`reelforge clips` on a spoken talk: the stand-alone hook is chosen, the dangling
continuation is not, every clip starts and ends on sentence boundaries of the transcript,
each clip is a 9:16 MP4 with sound and captions; bad inputs are one clear error each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
from tests.clips.conftest import Talk
from tests.clips.talk import DANGLING, HOOK, PARAGRAPHS

from reelforge.errors import InputError, NotFound
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.services.clips import ClipRequest, make_clips, parse_length
from reelforge.settings import Settings

ENDS = (".", "?", "!")


@pytest.fixture(scope="module")
def clips_run(talk_video: Talk, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clips")
    env = {**os.environ, "REELFORGE_DATA_DIR": str(out / "data")}
    done = subprocess.run([sys.executable, "-m", "reelforge.cli.main", "clips",
                           str(talk_video.path), "--count", "3", "--length", "8-20",
                           "--aspect", "9:16", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def _transcript(out: Path) -> list[dict[str, float | str]]:
    (words_file,) = out.glob(".clips-cache/*/words.json")
    words: list[dict[str, float | str]] = json.loads(words_file.read_text())
    return words


@pytest.mark.slow
def test_the_hook_is_chosen_and_the_dangling_continuation_is_not(
        clips_run: Path, talk_video: Talk) -> None:
    clips = json.loads((clips_run / "clips.json").read_text())["clips"]
    assert len(clips) == 3
    hook_start, _hook_end = talk_video.paragraphs[PARAGRAPHS.index(HOOK)]
    chosen = [c for c in clips if hook_start - 0.5 <= c["speech_start_s"] <= hook_start + 1.0]
    assert chosen, [c["transcript"] for c in clips]
    assert chosen[0]["transcript"].lower().startswith("why")
    assert "question" in chosen[0]["reason"]
    dangling_start, dangling_end = talk_video.paragraphs[PARAGRAPHS.index(DANGLING)]
    for clip in clips:
        assert clip["end_s"] <= dangling_start or clip["start_s"] >= dangling_end, \
            clip["transcript"]


@pytest.mark.slow
def test_every_clip_starts_and_ends_on_sentence_boundaries_of_the_transcript(
        clips_run: Path) -> None:
    words = _transcript(clips_run)
    for clip in json.loads((clips_run / "clips.json").read_text())["clips"]:
        start, end = clip["start_s"], clip["end_s"]
        inside = [k for k, w in enumerate(words) if w["end_s"] > start and w["start_s"] < end]
        assert inside
        first, last = inside[0], inside[-1]
        assert all(start <= words[k]["start_s"] and words[k]["end_s"] <= end for k in inside), \
            "a cut falls inside a word"
        assert str(words[last]["text"]).rstrip("\"'”’)").endswith(ENDS)
        assert first == 0 or str(words[first - 1]["text"]).rstrip("\"'”’)").endswith(ENDS)
        assert 8.0 <= end - start <= 20.0


@pytest.mark.slow
def test_each_clip_is_a_vertical_mp4_with_sound_and_captions(clips_run: Path) -> None:
    clips = json.loads((clips_run / "clips.json").read_text())["clips"]
    for clip in clips:
        path = clips_run / clip["file"]
        with av.open(str(path)) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == (100, 180)
            assert container.streams.audio
            assert abs(float(container.duration or 0) / 1e6 - clip["duration_s"]) < 0.3
        assert path.with_suffix(".srt").read_text().strip()
        assert clip["reframe"]["face_share"] > 0.8 and not clip["reframe"]["blurred_fill"]
        assert set(clip["scores"]) >= {"stands_alone", "hook", "coherence", "density", "total"}
    from PIL import Image

    with Image.open(clips_run / "contact-sheet.jpg") as sheet:
        assert sheet.height == 336 and sheet.width > 3 * 100


def test_a_video_shorter_than_the_shortest_clip_is_one_clear_error(
        tmp_path: Path, settings: Settings) -> None:
    short = tmp_path / "short.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=s=160x90:r=10:d=3", "-c:v", "libx264", "-preset",
                "ultrafast", str(short)], ffmpeg=find_ffmpeg())
    with pytest.raises(InputError, match=r"3.0 s long, shorter than the shortest clip"):
        make_clips(ClipRequest(video=short, out_dir=tmp_path / "out", min_s=20, max_s=60),
                   settings)


def test_a_corrupt_or_missing_file_is_one_clear_error(tmp_path: Path, settings: Settings) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    with pytest.raises(InputError):
        make_clips(ClipRequest(video=bad, out_dir=tmp_path / "out"), settings)
    with pytest.raises(NotFound):
        make_clips(ClipRequest(video=tmp_path / "nope.mp4", out_dir=tmp_path / "out"), settings)


def test_no_speech_says_so_and_visual_only_picks_by_activity(
        tmp_path: Path, settings: Settings) -> None:
    silent = tmp_path / "silent.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=12", "-f", "lavfi", "-i",
                "anullsrc=r=16000:cl=mono", "-t", "12", "-c:v", "libx264", "-preset",
                "ultrafast", "-c:a", "aac", str(silent)], ffmpeg=find_ffmpeg())
    request = ClipRequest(video=silent, out_dir=tmp_path / "out", count=1, min_s=4, max_s=6,
                          captions="none")
    with pytest.raises(InputError, match="no speech was heard") as caught:
        make_clips(request, settings)
    assert "--visual-only" in str(caught.value.hint)
    made = make_clips(ClipRequest(**{**request.__dict__, "visual_only": True}), settings)
    assert len(made) == 1 and made[0].file.is_file() and made[0].filled
    assert "visual change" in made[0].moment.reason


def test_lengths_parse_and_bad_ones_are_clear() -> None:
    assert parse_length("20-60") == (20.0, 60.0)
    assert parse_length("15") == (15.0, 15.0)
    for bad in ("60-20", "abc", "0-5"):
        with pytest.raises(InputError, match="MIN-MAX"):
            parse_length(bad)
