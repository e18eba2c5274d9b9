"""Where, when and who: GPS becomes a town (offline), capture times become words, faces are
counted — in the description a shot is searched by, for pictures (EXIF) and videos (container
tags) alike; a library described before this is described again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.library.footage import Embed
from reelforge.library.footage_add import add_footage
from reelforge.library.footage_analyse import FileTask, analyse_file
from reelforge.library.footage_describe import ShotFacts, describe, match_reason
from reelforge.library.footage_store import open_footage_index
from reelforge.media.ffmpeg import find_ffmpeg
from reelforge.media.taken import (
    capture_time,
    parse_iso6709,
    place_name,
    video_taken,
    when_words,
)

LISBON = (38.7223, -9.1393)


def _task(path: Path) -> FileTask:
    return FileTask(path, path.parent, "0" * 64, False, None)


def _gps_photo(path: Path, rgb: np.ndarray, latitude: float, longitude: float,
               when: str = "2023:06:14 08:30:00") -> Path:
    """A JPEG with EXIF capture time and GPS position (degrees, minutes, seconds)."""
    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 2))

    image = Image.fromarray(rgb)
    exif = image.getexif()
    exif[0x0132] = when
    exif.get_ifd(0x8825).update({1: "N" if latitude >= 0 else "S", 2: dms(latitude),
                                 3: "E" if longitude >= 0 else "W", 4: dms(longitude)})
    image.save(path, "JPEG", exif=exif)
    return path


def _astronaut(height: int = 240) -> np.ndarray:
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((height, height)))


def test_positions_and_times_are_read_and_put_in_words() -> None:
    assert parse_iso6709("+38.7223-009.1393+010.000/") == pytest.approx(LISBON)
    assert parse_iso6709("+00.0000+000.0000/") is None  # what a broken GPS writes
    assert parse_iso6709("somewhere") is None
    assert capture_time("2023-06-14T08:30:00.000000Z") == "2023-06-14T08:30:00"
    assert capture_time("1970-01-01T00:00:00Z") is None  # a muxer's "no date"
    assert when_words("2023-06-14T08:30:00") == "in June 2023, in the morning"
    assert when_words("2021-12-31T23:10:00") == "in December 2021, at night"
    assert when_words(None) == ""


def test_gps_names_the_nearest_town_and_country_offline() -> None:
    assert place_name(*LISBON) == "Lisbon, Portugal"
    assert place_name(48.8566, 2.3522) == "Paris, Ile-de-France, France"
    assert place_name(48.8584, 2.2945) == "Vanves, Ile-de-France, France"  # the Eiffel Tower
    assert place_name(0.0, -30.0) == ""  # mid-Atlantic: no town within reach
    assert place_name(91.0, 0.0) == ""


def test_the_description_says_where_when_and_who() -> None:
    facts = ShotFacts(kind="picture", duration_s=0.0, width=400, height=300,
                      captured_at="2023-06-14T19:05:00", place="Lisbon, Portugal", faces=1)
    text = describe(facts)
    assert "Taken in Lisbon, Portugal, in June 2023, in the evening." in text
    assert "picture of a person" in text
    assert "of 3 people" in describe(ShotFacts(kind="picture", duration_s=0.0, width=4,
                                               height=3, faces=3))
    plain = describe(ShotFacts(kind="picture", duration_s=0.0, width=4, height=3))
    assert "Taken" not in plain and "person" not in plain


def test_a_geotagged_photo_of_a_person_is_described_by_place_and_face(tmp_path: Path) -> None:
    photo = _gps_photo(tmp_path / "IMG_0001.jpg", _astronaut(), *LISBON)
    result = analyse_file(_task(photo))
    assert not result.problem, result.problem
    shot = result.shots[0]
    assert "Taken in Lisbon, Portugal, in June 2023, in the morning." in shot.description
    assert "of a person" in shot.description
    assert shot.extra["place"] == "Lisbon, Portugal" and shot.extra["faces"] == 1
    assert "38.7" not in json.dumps(shot.extra)  # the town is kept, never the coordinates
    reason = match_reason("a woman in Lisbon", shot)
    assert "taken in Lisbon" in reason and "shows a person" in reason


def test_a_video_says_where_and_when_from_its_container_tags(tmp_path: Path) -> None:
    frame = np.zeros((180, 320, 3), np.uint8)
    frame[:, :] = (40, 90, 160)
    face = _astronaut(150)
    frame[15:165, 85:235] = face
    Image.fromarray(frame).save(tmp_path / "frame.png")
    clip = tmp_path / "VID_0007.mp4"
    subprocess.run([find_ffmpeg(), "-y", "-loglevel", "error", "-loop", "1", "-i",
                    str(tmp_path / "frame.png"), "-t", "2", "-r", "10", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-preset", "ultrafast",
                    "-metadata", "creation_time=2022-08-02T16:00:00Z",
                    "-metadata", "location=+48.8566+002.3522/", str(clip)], check=True)
    assert video_taken(clip).at == "2022-08-02T16:00:00"
    result = analyse_file(_task(clip))
    assert not result.problem, result.problem
    shot = result.shots[0]
    assert ("Taken in Paris, Ile-de-France, France, in August 2022, in the afternoon."
            in shot.description)
    assert shot.extra["faces"] == 1 and "of a person" in shot.description


def test_a_library_described_before_is_described_again_and_found_by_place(
        tmp_path: Path, embed: Embed) -> None:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    green = np.full((120, 160, 3), (40, 150, 60), np.uint8)
    _gps_photo(pictures / "DSC_0101.jpg", green, *LISBON)
    _gps_photo(pictures / "DSC_0102.jpg", green[:, ::-1].copy(), 48.8566, 2.3522)
    library = tmp_path / "library"
    add_footage([pictures], library, embed=embed, transcribe=False)
    # a library written by the earlier analysis (no "analysis" field): described again
    stored = json.loads((library / "footage.json").read_text())
    for record in stored["files"]:
        del record["analysis"]
    (library / "footage.json").write_text(json.dumps(stored))
    again = add_footage([pictures], library, embed=embed, transcribe=False)
    assert len(again.added) == 2 and not again.skipped
    assert len(add_footage([pictures], library, embed=embed, transcribe=False).skipped) == 2
    found = open_footage_index(library, embed).search("our holiday in Lisbon", k=2)
    assert Path(found[0].shot.source).name == "DSC_0101.jpg"
