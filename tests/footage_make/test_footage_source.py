"""``--footage DIR`` is indexed (once: the second make re-uses the index) and opened;
``library`` opens the footage library; empty ones are one clear error. Needs the indexer
(``library/footage_add.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.errors import InputError
from reelforge.library.footage_choice import SceneNeed, choose_footage
from reelforge.library.footage_source import index_folder, open_footage, open_tenant_footage
from reelforge.settings import Settings

from .labelled import write_picture, write_video

pytest.importorskip("reelforge.library.footage_add")


@pytest.fixture
def clips(tmp_path: Path) -> Path:
    folder = tmp_path / "my clips"
    folder.mkdir()
    write_video(folder / "dog-beach.mp4", [(230, 160, 60)], [3.0])
    (folder / "dog-beach.txt").write_text("a dog running on a sandy beach at sunset")
    write_picture(folder / "coffee.jpg", (110, 70, 40))
    (folder / "coffee.txt").write_text("a steaming cup of coffee on a cafe table")
    write_picture(folder / "forest.jpg", (20, 110, 50))
    (folder / "forest.txt").write_text("a forest stream with moss and ferns")
    return folder


def test_a_folder_is_indexed_then_its_shots_are_chosen(clips: Path, settings: Settings) -> None:
    index = open_footage(str(clips), settings)
    needs = [SceneNeed(0, "Our puppy sprints along the shore.", "dog on the beach", 2.0),
             SceneNeed(1, "Nothing starts the day like a fresh brew.", "coffee cup", 2.0)]
    chosen = [Path(c.shot.source).name for c in choose_footage(needs, index) if c.shot]
    assert chosen == ["dog-beach.mp4", "coffee.jpg"]
    again = index_folder(str(clips), settings)  # the next make indexes nothing new
    assert not again.added and len(again.skipped) == 3


def test_an_empty_folder_or_library_is_one_clear_error(tmp_path: Path,
                                                      settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no video or picture"):
        open_footage(str(tmp_path / "empty"), settings)
    with pytest.raises(InputError) as empty:
        open_footage("library", settings)
    assert "reelforge footage add" in f"{empty.value.message} {empty.value.hint}"


def test_a_tenant_opens_its_own_library_never_another_s(clips: Path, settings: Settings,
                                                        encode) -> None:
    from reelforge.library.footage_add import add_footage
    from reelforge.library.footage_store import default_footage_folder, tenant_footage_folder
    from reelforge.store.db import forget_databases, open_database
    from reelforge.store.tenants import get_or_create_tenant

    with open_database(settings).session() as session:
        acme = get_or_create_tenant(session, "acme").id  # an API tenant, made first
    try:
        add_footage([clips], tenant_footage_folder(settings, acme), embed=encode)
        assert len(open_tenant_footage(settings, acme)) == 3
        with pytest.raises(InputError):
            open_tenant_footage(settings, acme + 1)  # another tenant has added nothing
        with pytest.raises(InputError):
            open_footage("library", settings)  # nor is it the CLI's (the local tenant's)
        assert default_footage_folder(settings) != tenant_footage_folder(settings, acme)
    finally:
        forget_databases()


@pytest.mark.slow
def test_cli_make_with_a_footage_folder_names_the_shots_in_its_manifest(
        clips: Path, tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    (clips / "broken.mp4").write_bytes(b"not a video")
    script = tmp_path / "week.md"
    script.write_text("# The shore\nvisual: dog on the beach\nOur puppy sprints along the "
                      "shore.\n\n# Paperwork\nvisual: tax forms\nQuarterly taxes are due.\n")
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    made = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make", "--script", str(script),
         "--duration", "6", "--aspect", "1:1", "--captions", "none", "--footage", str(clips),
         "--out", str(tmp_path / "out"), "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert made.returncode == 0, made.stderr
    assert "skipped" in made.stderr and "broken.mp4" in made.stderr  # said, with its reason
    manifest = json.loads(made.stdout)
    shore, paperwork = manifest["footage"]
    assert Path(shore["shot"]["source"]).name == "dog-beach.mp4"
    assert paperwork["shot"] is None and paperwork["treatment"] == "engine"
    assert (tmp_path / "out" / manifest["job_id"] / "final.mp4").is_file()
