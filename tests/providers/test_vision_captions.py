"""Footage keyframes captioned by a vision model: the OpenAI fake takes image parts as the real
API does (and refuses them as it does), answers a description derived from the picture, bills
each call; ``footage add`` puts the caption first in a shot's description only when a vision
model is configured, and a failing captioner costs the library nothing but the captions."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from pydantic import SecretStr
from typer.testing import CliRunner

from reelforge.errors import InputError
from reelforge.fakes.server import RunningFakes
from reelforge.fakes.vision import describe_picture, image_tokens
from reelforge.library.footage_add import add_footage
from reelforge.library.footage_store import load_library, open_footage_index
from reelforge.media.embeddings import get_text_encoder
from reelforge.providers.vision import VisionCaptioner, one_sentence
from reelforge.settings import Settings

from .conftest import TEST_KEY

ROUTE = "POST /v1/chat/completions"


def _picture(top: tuple[int, int, int], bottom: tuple[int, int, int],
             middle: tuple[int, int, int] | None = None) -> np.ndarray:
    rgb = np.zeros((240, 320, 3), np.uint8)
    rgb[:120], rgb[120:] = top, bottom
    if middle is not None:
        rgb[90:150, 120:200] = middle
    return rgb


def _jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90)
    return out.getvalue()


def _chat(fakes: RunningFakes, content: object, model: str = "gpt-4o-mini") -> httpx.Response:
    return httpx.post(f"{fakes.env()['OPENAI_BASE_URL']}/chat/completions",
                      headers={"Authorization": f"Bearer {TEST_KEY}"},
                      json={"model": model, "messages": [{"role": "user", "content": content}]})


def _image_part(url: str, detail: str = "low") -> dict[str, object]:
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


def _data_url(rgb: np.ndarray) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(_jpeg(rgb)).decode()


def test_the_fake_describes_a_picture_from_its_colours_and_bills_its_tokens(
        fakes: RunningFakes) -> None:
    rgb = _picture((60, 140, 230), (235, 205, 120), (110, 70, 30))
    answer = _chat(fakes, [{"type": "text", "text": "What is this?"},
                           _image_part(_data_url(rgb))])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    said = body["choices"][0]["message"]["content"]
    assert said == describe_picture(np.asarray(Image.open(io.BytesIO(_jpeg(rgb)))))
    assert "at the top" in said and "in the middle" in said
    assert body["usage"]["prompt_tokens"] >= 85  # the low-detail picture's tokens
    assert fakes["openai"].state.paid["chat"] == 1
    assert image_tokens(1024, 1024, "high") == 85 + 170 * 4  # fitted to 768: 2 × 2 tiles


@pytest.mark.parametrize(("content", "model", "param", "code"), [
    ([_image_part("https://example.com/a.jpg")], "gpt-4o-mini",
     "messages[0].content[0].image_url.url", "invalid_image_url"),
    ([_image_part("data:image/jpeg;base64,bm90IGFuIGltYWdl")], "gpt-4o-mini", None,
     "invalid_image_format"),
    ([{"type": "video", "video": "x"}], "gpt-4o-mini", "messages[0].content[0].type",
     "invalid_value"),
    ([_image_part("data:image/png;base64,AAAA", "ultra")], "gpt-4o-mini",
     "messages[0].content[0].image_url.detail", "invalid_value"),
])
def test_the_fake_refuses_image_parts_as_the_real_api_does(
        fakes: RunningFakes, content: object, model: str, param: str | None,
        code: str) -> None:
    answer = _chat(fakes, content, model)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["param"] == param and error["code"] == code
    assert fakes["openai"].state.paid["chat"] == 0


def test_a_text_only_model_refuses_pictures(fakes: RunningFakes) -> None:
    answer = _chat(fakes, [_image_part(_data_url(_picture((0, 0, 0), (255, 255, 255))))],
                   "gpt-3.5-turbo")
    assert answer.status_code == 400
    assert "image_url is only supported by certain models" in answer.json()["error"]["message"]


def test_one_sentence_tidies_a_models_reply() -> None:
    assert one_sentence(' "A dog on a beach.\nIt is sunny." ') == "A dog on a beach."
    assert one_sentence("") == ""


def test_no_vision_model_means_no_captioner(remote_settings: Settings) -> None:
    assert VisionCaptioner.from_settings(remote_settings) is None


def _pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "pictures"
    folder.mkdir(parents=True)
    Image.fromarray(_picture((60, 140, 230), (235, 205, 120))).save(folder / "IMG_0001.png")
    Image.fromarray(_picture((20, 120, 40), (20, 120, 40), (230, 40, 40))).save(
        folder / "IMG_0002.png")
    return folder


def test_footage_add_leads_each_description_with_the_models_caption(
        remote_settings: Settings, fakes: RunningFakes, tmp_path: Path) -> None:
    captioner = VisionCaptioner.from_settings(
        remote_settings.model_copy(update={"vision_model": "gpt-4o-mini"}))
    assert captioner is not None
    embed = get_text_encoder().encode
    library = tmp_path / "library"
    report = add_footage([_pictures(tmp_path)], library, embed=embed, transcribe=False,
                         caption=captioner.caption)
    assert len(report.added) == 2 and not report.warnings
    shots = sorted(load_library(library).shots.values(), key=lambda s: s.source)
    for shot in shots:
        caption = str(shot.extra["caption"])
        assert shot.description.startswith(caption) and "picture" in caption
    assert "something red in the middle" in str(shots[1].extra["caption"])
    assert fakes["openai"].state.paid["chat"] == 2 and len(captioner.calls) == 2
    assert all(call.cost_usd > 0 for call in captioner.calls)
    sent = fakes["openai"].state.bodies[ROUTE][0]["messages"][0]["content"]
    assert sent[1]["image_url"]["detail"] == "low"
    found = open_footage_index(library, embed).search("something red in the middle", k=1)
    assert Path(found[0].shot.source).name == "IMG_0002.png"


def test_a_failing_captioner_leaves_the_shots_indexed_with_a_warning(
        remote_settings: Settings, fakes: RunningFakes, tmp_path: Path) -> None:
    captioner = VisionCaptioner.from_settings(remote_settings.model_copy(update={
        "vision_model": "gpt-4o-mini", "openai_api_key": SecretStr("sk-wrong-key")}))
    assert captioner is not None
    report = add_footage([_pictures(tmp_path)], tmp_path / "library",
                         embed=get_text_encoder().encode, transcribe=False,
                         caption=captioner.caption)
    assert len(report.added) == 2
    assert [w.reason.startswith("not captioned") for w in report.warnings] == [True, True]
    assert "OPENAI_API_KEY" in report.warnings[0].reason  # what to fix
    assert fakes["openai"].state.paid["chat"] == 0


def test_the_cli_captions_when_a_vision_model_is_set_and_says_what_it_cost(
        fakes: RunningFakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.cli.main import app

    for name, value in fakes.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REELFORGE_VISION_MODEL", "gpt-4o-mini")
    result = CliRunner().invoke(app, ["footage", "add", str(_pictures(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["captions"] == 2 and report["caption_cost_usd"] > 0
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(tmp_path / "other"))
    refused = CliRunner().invoke(app, ["footage", "add", str(_pictures(tmp_path / "b"))])
    assert isinstance(refused.exception, InputError)
    assert "needs an API key" in str(refused.exception)
    assert not list((tmp_path / "other").rglob("footage.json"))  # refused before any work


def test_a_videos_keyframes_are_read_again_for_the_model(tmp_path: Path) -> None:
    import subprocess

    from reelforge.library.footage_analyse import FileTask, analyse_file
    from reelforge.library.footage_caption import CAPTION_SIDE, keyframe_pictures
    from reelforge.media.ffmpeg import find_ffmpeg

    clip = tmp_path / "two_colours.mp4"
    subprocess.run([find_ffmpeg(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=red:s=320x180:r=10:d=2", "-f", "lavfi", "-i",
                    "color=c=blue:s=320x180:r=10:d=2", "-filter_complex",
                    "[0][1]concat=n=2:v=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                    "-preset", "ultrafast", str(clip)], check=True)
    shots = analyse_file(FileTask(clip, tmp_path, "0" * 64, False, None)).shots
    assert len(shots) == 2
    pictures = keyframe_pictures(shots)
    assert [p.shape for p in pictures] == [(180, 320, 3)] * 2  # never enlarged
    assert CAPTION_SIDE > 320
    assert pictures[0][..., 0].mean() > 200 and pictures[1][..., 2].mean() > 200


def test_an_index_job_captions_each_upload_and_the_ledger_records_every_call(
        remote_settings: Settings, fakes: RunningFakes) -> None:
    from fastapi.testclient import TestClient

    from reelforge.jobs.platform import open_platform
    from reelforge.library.footage_source import open_tenant_footage
    from reelforge.server.app import create_app
    from reelforge.store.db import forget_databases
    from reelforge.store.jobs import Job
    from reelforge.store.ledger import SpendCall
    from reelforge.store.tenants import create_key, tenant_by_name

    settings = remote_settings.model_copy(update={"vision_model": "gpt-4o-mini"})
    platform = open_platform(settings, immediate=True)  # each job runs as it is queued
    try:
        with platform.db.session() as session:
            secret = create_key(session, "acme", "editor").secret
        client = TestClient(create_app(platform=platform), base_url="http://studio.test")
        client.headers["Authorization"] = f"Bearer {secret}"
        client.cookies.set("rf_csrf", "test-token")
        client.headers["X-CSRF-Token"] = "test-token"
        picture = _jpeg(_picture((20, 120, 40), (20, 120, 40), (230, 40, 40)))
        answer = client.post("/v1/library/items", files={"file": ("IMG_0002.jpg", picture)})
        assert answer.status_code == 202, answer.text
        with platform.db.session() as session:
            acme = tenant_by_name(session, "acme").id
            index_job = session.query(Job).filter_by(kind="index").one()
            assert index_job.state == "succeeded"
            calls = session.query(SpendCall).filter_by(tenant_id=acme).all()
            job_id = index_job.id
        (shot,) = open_tenant_footage(settings, acme).shots
        assert "something red in the middle" in str(shot.extra["caption"])
        assert shot.description.startswith(str(shot.extra["caption"]))
        (call,) = calls  # recorded before it was sent, settled with its cost
        assert (call.job_id, call.step, call.operation) == (job_id, "caption",
                                                            "chat.completions")
        assert call.state == "confirmed" and (call.cost_usd or 0) > 0
        assert fakes["openai"].state.paid["chat"] == 1
    finally:
        forget_databases()


def test_make_with_a_footage_folder_captions_its_new_keyframes_and_says_what_it_cost(
        fakes: RunningFakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from reelforge.cli.make import _index_footage_folder
    from reelforge.library.footage_source import folder_cache

    for name, value in fakes.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("REELFORGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REELFORGE_VISION_MODEL", "gpt-4o-mini")
    folder, console = _pictures(tmp_path), Console(record=True, width=200)
    settings = Settings()
    index = _index_footage_folder(str(folder), settings, console)
    assert fakes["openai"].state.paid["chat"] == 2
    assert "2 new keyframes captioned by gpt-4o-mini: $" in console.export_text()
    library = load_library(folder_cache(folder, settings))
    assert all(shot.extra.get("caption") for shot in library.shots.values())
    assert index.search("a picture", 2)  # the captioned folder opens as the make's footage
    _index_footage_folder(str(folder), settings, Console(record=True))
    assert fakes["openai"].state.paid["chat"] == 2  # unchanged files are not captioned again
