"""`reelforge images` commands and the HTML report a person opens."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from reelforge.cli.images import app
from reelforge.errors import InputError
from reelforge.settings import Settings

from .conftest import scene

Save = Callable[..., Path]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def library(save: Save, settings: Settings) -> Path:
    """Nine distinct pictures, a resized copy of one, and one broken file."""
    for seed in range(9):
        save(scene(seed, (320, 240)), f"pic{seed}.jpg", quality=90)
    save(scene(0, (320, 240)).resize((160, 120)), "pic0_copy.jpg", quality=80)
    folder = settings.data_dir.parent / "pictures"
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    return folder


def test_html_report_opens_with_every_thumbnail_present(library: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["cluster", str(library), "--report", str(report),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    page = _Page()
    page.feed(report.read_text(encoding="utf-8"))
    alts = sorted(img["alt"] or "" for img in page.images)
    # every analysed picture appears (the duplicate twice: in its cluster and in its group)
    assert sorted(set(alts)) == sorted([*(f"pic{i}.jpg" for i in range(9)), "pic0_copy.jpg"])
    assert alts.count("pic0.jpg") == 2
    for img in page.images:
        src = img["src"] or ""
        assert src.startswith("data:image/jpeg;base64,")
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as thumb:
            thumb.load()
            assert max(thumb.size) <= 240 and min(thumb.size) > 0
    text = " ".join(page.text)
    assert "broken.jpg" in text and "Near-duplicates" in text and "Clusters" in text


def test_analyze_writes_json_whose_totals_add_up(library: Path, tmp_path: Path) -> None:
    out = tmp_path / "analysis.json"
    result = CliRunner().invoke(app, ["analyze", str(library), "--json", str(out), "-w", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["totals"]["found"] == 11 == len(data["images"]) + len(data["skipped"])
    first = data["images"][0]
    assert {"width", "height", "pixels", "phash", "dhash", "descriptor", "aspect"} <= set(first)
    assert "gps" not in first
    assert data["skipped"][0]["path"].endswith("broken.jpg") and data["skipped"][0]["reason"]


def test_dedupe_json_to_stdout_names_the_keeper(library: Path) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(library), "--json", "-", "-w", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["groups"]) == 1
    assert Path(data["groups"][0]["keeper"]).name == "pic0.jpg"
    assert [Path(p).name for p in data["groups"][0]["copies"]] == ["pic0_copy.jpg"]


def test_missing_folder_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from reelforge.cli.main import run; run()", "images", "analyze",
         str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert "folder not found" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_report_path_that_is_a_folder_is_refused_before_any_analysis(
    library: Path, tmp_path: Path, settings: Settings
) -> None:
    result = CliRunner().invoke(app, ["cluster", str(library), "--report", str(tmp_path)])
    assert isinstance(result.exception, InputError)
    assert "is a folder" in str(result.exception)
    assert not (settings.data_dir / "images" / "analysis.sqlite").exists()


def test_report_reuses_previews_kept_by_the_analysis_instead_of_decoding_again(
    library: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelforge.media import image_report
    from reelforge.media.image_batch import analyze_folder, load_previews
    from reelforge.media.image_clusters import cluster_images

    batch = analyze_folder(library, settings, workers=1)
    paths = [a.path for a in batch.analyses]
    previews = load_previews(settings, paths)
    assert sorted(previews) == sorted(paths)

    def no_decoding(path: str, side: int = 0) -> str | None:
        raise AssertionError(f"decoded {path} again")

    monkeypatch.setattr(image_report, "thumbnail_uri", no_decoding)
    summary = image_report.write_image_report(
        tmp_path / "r.html", folder=library, batch=batch,
        clustering=cluster_images(batch.analyses), previews=previews, workers=1)
    assert summary.thumbnails == len(paths) and summary.missing_thumbnails == 0

    changed = Path(paths[0])
    scene(42).save(changed)
    assert paths[0] not in load_previews(settings, paths)
