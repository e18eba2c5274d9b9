"""Scanning the user's folders: tags, incremental re-scans, removed files, bad files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import InputError
from reelforge.media.index import load_index
from reelforge.providers.music import library
from reelforge.providers.music.catalog import SongCatalog
from reelforge.providers.music.library import clean_tag, scan_folder

from .conftest import C_MAJOR_PROGRESSION, SR, click_track, music_settings, progression, write_audio


def tag_flac(path: Path, **tags: str) -> None:
    from mutagen.flac import FLAC

    audio = FLAC(str(path))
    for name, value in tags.items():
        audio[name] = value
    audio.save()


@pytest.fixture
def catalog(tmp_path: Path) -> SongCatalog:
    return SongCatalog(music_settings(tmp_path / "data"))


@pytest.fixture
def music_folder(tmp_path: Path) -> Path:
    """Three good songs in three formats, one in a sub-folder."""
    root = tmp_path / "Music"
    piano = write_audio(root / "piano.flac", progression(C_MAJOR_PROGRESSION, repeats=2), SR)
    tag_flac(piano, title="Morning Chords", artist="Ana Lima", album="Sketches", genre="Piano")
    write_audio(root / "beats" / "drums.wav", click_track(128, 8.0), SR)
    write_audio(root / "clicks.ogg", click_track(90, 6.0), SR, format="OGG", subtype="VORBIS")
    (root / "cover.jpg").write_bytes(b"\xff\xd8 not audio, and not an audio name either")
    return root


@pytest.fixture
def analysis_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every file that gets decoded and analysed (in-process: workers=1)."""
    calls: list[str] = []
    real = library.analyse_song_file

    def counting(path: str):  # type: ignore[no-untyped-def]
        calls.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(library, "analyse_song_file", counting)
    return calls


def test_a_folder_is_indexed_with_its_tags_and_becomes_searchable(catalog, music_folder) -> None:
    report = scan_folder(catalog, music_folder, workers=2)
    assert (report.found, report.added, report.skipped) == (3, 3, [])
    songs = {s.title: s for s in catalog.songs("library")}
    piano = songs["Morning Chords"]
    assert (piano.artist, piano.album, piano.genre) == ("Ana Lima", "Sketches", "Piano")
    assert piano.musical_key == "C major" and "piano" in piano.tags
    assert piano.duration_s == pytest.approx(8.0, abs=0.1)
    assert songs["drums"].bpm == pytest.approx(128, abs=2)
    hit = catalog.search("Morning Chords by Ana Lima", k=1)[0]
    assert hit.track.title == "Morning Chords" and hit.track.path.endswith("piano.flac")


def test_rescanning_an_unchanged_folder_decodes_nothing(catalog, music_folder,
                                                        analysis_calls) -> None:
    scan_folder(catalog, music_folder, workers=1)
    assert len(analysis_calls) == 3
    stamp = Path(catalog.location).stat().st_mtime_ns
    again = scan_folder(catalog, music_folder, workers=1)
    assert (again.unchanged, again.added, again.updated) == (3, 0, 0)
    assert len(analysis_calls) == 3  # nothing decoded the second time
    assert Path(catalog.location).stat().st_mtime_ns == stamp  # index untouched


def test_a_touched_but_identical_file_is_not_reanalysed(catalog, music_folder,
                                                        analysis_calls) -> None:
    scan_folder(catalog, music_folder, workers=1)
    wav = music_folder / "beats" / "drums.wav"
    os.utime(wav, (1_000_000_000, 1_000_000_000))
    report = scan_folder(catalog, music_folder, workers=1)
    assert report.unchanged == 3 and len(analysis_calls) == 3
    assert scan_folder(catalog, music_folder, workers=1).unchanged == 3  # new mtime remembered


def test_a_changed_file_is_reanalysed_in_place(catalog, music_folder, analysis_calls) -> None:
    scan_folder(catalog, music_folder, workers=1)
    write_audio(music_folder / "clicks.ogg", click_track(140, 6.0), SR, format="OGG",
                subtype="VORBIS")
    report = scan_folder(catalog, music_folder, workers=1)
    assert (report.updated, report.unchanged) == (1, 2)
    assert analysis_calls[-1] == "clicks.ogg"
    (song,) = [s for s in catalog.songs("library") if s.title == "clicks"]
    assert song.bpm == pytest.approx(140, abs=2)
    assert len(catalog.songs("library")) == 3


def test_a_removed_file_leaves_the_catalog_and_the_index(catalog, music_folder) -> None:
    scan_folder(catalog, music_folder, workers=1)
    (gone,) = [s for s in catalog.songs("library") if s.title == "drums"]
    (music_folder / "beats" / "drums.wav").unlink()
    report = scan_folder(catalog, music_folder, workers=1)
    assert report.removed == 1
    assert {s.title for s in catalog.songs("library")} == {"Morning Chords", "clicks"}
    stored = load_index(catalog.location)
    assert stored is not None and gone.id not in stored.ids.tolist()


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_indexed(
    catalog, music_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    (music_folder / "empty.mp3").write_bytes(b"")
    (music_folder / "corrupt.mp3").write_bytes(b"ID3\x04\x00" + bytes(range(256)) * 40)
    (music_folder / "noise.flac").write_bytes(np.random.default_rng(0).bytes(5000))
    (music_folder / "old.wma").write_bytes(b"0&\xb2u" * 100)
    write_audio(music_folder / "blip.wav", np.zeros(SR // 4, dtype=np.float32), SR)
    write_audio(music_folder / "huge.wav", click_track(100, 12.0), SR)
    monkeypatch.setattr(library, "MAX_FILE_BYTES", 400_000)  # huge.wav is 529 kB
    report = scan_folder(catalog, music_folder, workers=2)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.mp3", "corrupt.mp3", "noise.flac", "old.wma", "blip.wav",
                            "huge.wav"}
    assert reasons["empty.mp3"] == "empty file (0 bytes)"
    assert reasons["old.wma"].startswith("unsupported format .wma")
    assert "too large" in reasons["huge.wav"]
    assert "cannot decode corrupt.mp3" in reasons["corrupt.mp3"]
    assert "at least 1 s" in reasons["blip.wav"]
    assert report.added == 3
    stored = load_index(catalog.location)
    assert stored is not None and len(stored) == 3


def test_a_failed_index_write_leaves_the_previous_index_whole_and_is_repaired(
    catalog, music_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan_folder(catalog, music_folder, workers=1)
    write_audio(music_folder / "new.wav", click_track(100, 5.0), SR)

    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("reelforge.providers.music.song_index.save_index", crash)
    with pytest.raises(OSError, match="disk full"):
        scan_folder(catalog, music_folder, workers=1)
    monkeypatch.undo()
    stored = load_index(catalog.location)
    assert stored is not None and len(stored) == 3  # the old, complete index
    fresh = SongCatalog(catalog.settings)
    assert len(fresh.index()) == 4  # the database has the song; the index is rebuilt from it


def test_tags_in_odd_encodings_become_clean_text() -> None:
    assert clean_tag("CafÃ© del Mar") == "Café del Mar"  # UTF-8 read as Latin-1
    assert clean_tag(b"Caf\xe9") == "Café"  # raw cp1252 bytes
    assert clean_tag("A\x00B\tC\n\ud800D") == "A B C ?D"  # NUL, controls, lone surrogate
    assert len(clean_tag("x" * 5000)) == 300


def test_odd_tag_bytes_in_a_file_do_not_stop_it_being_indexed(catalog, tmp_path: Path) -> None:
    root = tmp_path / "odd"
    song = write_audio(root / "song.flac", click_track(100, 5.0), SR)
    tag_flac(song, title="Ni\u00c3\u00b1o\x00 \ud83c\udfb5".encode("utf-8", "surrogatepass")
             .decode("utf-8", "replace"), artist="\u200b")
    report = scan_folder(catalog, root, workers=1)
    assert report.added == 1
    (row,) = catalog.songs("library")
    assert row.title.startswith("Niño")


def test_a_missing_folder_is_one_clear_input_error(catalog, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder not found"):
        scan_folder(catalog, tmp_path / "nope")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_an_unreadable_sub_folder_is_reported_and_the_rest_indexed(catalog, music_folder) -> None:
    locked = music_folder / "locked"
    write_audio(locked / "secret.wav", click_track(100, 3.0), SR)
    locked.chmod(0)
    try:
        report = scan_folder(catalog, music_folder, workers=1)
    finally:
        locked.chmod(0o755)
    assert report.added == 3
    assert any("cannot read this folder" in s.reason for s in report.skipped)
