"""`reelforge captions VIDEO`: any video's speech transcribed and captioned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.media.speech import HeardWord, heard_share
from reelforge.providers.base import SpeechRequest, Voice
from reelforge.services.captions import caption_video
from reelforge.settings import Settings

SPOKEN = ("Octopuses have three hearts and blue blood. Each arm can taste what it touches. "
          "They escape from closed jars and remember faces.")


@pytest.fixture(scope="module")
def spoken_video(piper_engine: Voice, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spoken")
    sentences = tuple(s.strip() + "." for s in SPOKEN.split(".") if s.strip())
    said = piper_engine.speak(SpeechRequest(sentences=sentences, voice="joe"),
                              folder / "speech.wav")
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x304050:s=320x568:r=15:d={said.duration_s:.2f}",
                "-i", str(folder / "speech.wav"), "-shortest", "-c:v", "libx264", "-preset",
                "ultrafast", "-c:a", "aac", str(folder / "talk.mp4")], ffmpeg=find_ffmpeg())
    return folder / "talk.mp4"


def test_captions_on_a_piper_spoken_video_recover_at_least_90_percent_of_its_words(
    spoken_video: Path, settings: Settings, tmp_path: Path
) -> None:
    done = caption_video(spoken_video, tmp_path / "out", "karaoke", settings)
    heard = [HeardWord(w.text, w.start_s, w.end_s) for w in done.words]
    assert heard_share(SPOKEN.split(), heard) >= 0.9
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"captioned.mp4", "captions.srt", "captions.vtt", "words.json"}
    words = json.loads((tmp_path / "out" / "words.json").read_text())["words"]
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    assert all(w["end"] >= w["start"] for w in words)


def test_captions_with_style_none_write_the_files_but_no_video(
    spoken_video: Path, settings: Settings, tmp_path: Path
) -> None:
    done = caption_video(spoken_video, tmp_path, "none", settings)
    assert not (tmp_path / "captioned.mp4").exists()
    assert [p.name for p in done.files] == ["captions.srt", "captions.vtt", "words.json"]


def test_a_silent_video_is_one_clear_error(settings: Settings, tmp_path: Path) -> None:
    from reelforge.errors import InputError

    silent = tmp_path / "silent.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=s=160x284:r=10:d=1.5", "-f", "lavfi", "-i",
                "anullsrc=r=16000:cl=mono", "-t", "1.5", "-c:v", "libx264", "-preset",
                "ultrafast", "-c:a", "aac", str(silent)], ffmpeg=find_ffmpeg())
    with pytest.raises(InputError, match="no speech was heard"):
        caption_video(silent, tmp_path / "out", "karaoke", settings)


def test_cli_names_the_caption_styles_for_an_unknown_one(tmp_path: Path) -> None:
    env = {**os.environ, "REELFORGE_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "reelforge.cli.main", "captions", "x.mp4",
                          "--out", str(tmp_path), "--captions", "neon"],
                         capture_output=True, text=True, env=env)
    assert out.returncode != 0
    assert "unknown caption style 'neon'" in out.stderr
    assert "karaoke, pop, box, classic, none" in out.stderr
