"""The studio in Debian's chromium against a live ``reelforge serve`` + ``reelforge worker``:
sign in, make a video with offline engines and watch it finish over server-sent events, play it,
edit a scene and re-run, search a song, browse the library, manage keys. Each page is also
screenshotted at desktop and phone width into docs/screenshots/.

The tests run in file order and share one server: the library test uploads the video the job
test made.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from studio_support import DESKTOP, Studio, screenshot, sign_in

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def assert_accessible(page: Any) -> None:
    """Every form control has a label and every picture a text alternative."""
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("[...document.images].filter(i => !i.alt).length") == 0


def test_sign_in_explains_a_wrong_key_then_shows_the_tenant_and_role(browser: Any,
                                                                      studio: Studio) -> None:
    context = browser.new_context(viewport=DESKTOP, base_url=studio.url)
    page = context.new_page()
    page.goto("/jobs")
    assert page.url.startswith(f"{studio.url}/signin?next=/jobs")
    page.get_by_label("API key").fill("rf_0000_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    assert "not accepted" in page.locator("#signin-error").inner_text()
    assert_accessible(page)
    screenshot(page, "signin")
    page.get_by_label("API key").fill(studio.keys["editor"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{studio.url}/jobs")
    side = page.locator(".who").inner_text()
    assert "acme" in side and "editor" in side
    cookie = next(c for c in context.cookies() if c["name"] == "rf_studio")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    readable = page.evaluate("document.cookie")  # scripts cannot read the key
    assert studio.keys["editor"] not in readable and "rf_studio" not in readable
    context.close()


@pytest.mark.slow
def test_job_made_in_the_browser_reaches_succeeded_via_server_sent_events_then_plays(
        editor_page: Any, studio: Studio) -> None:
    page = editor_page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.get_by_label("Prompt").fill("Why cats purr")
    page.get_by_label("Length (seconds)").fill("5")
    page.locator("label[for=aspect-2]").click()  # 1:1
    assert page.locator("input[name=aspect]:checked").get_attribute("value") == "1:1"
    page.get_by_label("Emotion").select_option("calm")
    for step, engine in (("script", "template"), ("voice", "piper"), ("video", "local"),
                         ("music", "builtin")):
        page.locator(f"#engine_{step}").select_option(engine)
    page.locator("#estimate-value", has_text="$0.00").wait_for()
    assert "free" in page.locator("#estimate").inner_text()
    assert_accessible(page)
    screenshot(page, "create")

    page.get_by_role("button", name="Make the video").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    job_url = page.url
    page.evaluate("window.__sameDocument = true")
    page.locator("#job-state[data-state=succeeded]").wait_for(timeout=150_000)
    assert page.locator("#job-state").inner_text() == "Ready"
    # the badge changed in the same document (no reload), from one event stream, no polling
    assert page.evaluate("window.__sameDocument") is True
    assert requests.count(f"GET {job_url}") == 1
    assert sum(1 for r in requests if r == f"GET {job_url}/events") == 1
    assert not any("/v1/" in r for r in requests)
    assert page.locator("#steps li[data-step=assemble][data-state=done]").count() == 1
    assert "job succeeded" in page.locator("#log").inner_text()

    player = page.locator("video#player")
    player.wait_for()  # swapped in when the stream ended
    played = page.evaluate("""async () => {
        const v = document.querySelector('#player');
        v.muted = true;
        if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r,
                                                                       {once: true}));
        await v.play();
        await new Promise(r => setTimeout(r, 400));
        const playing = v.currentTime;
        v.pause();
        v.currentTime = v.duration * 0.7;
        await new Promise(r => v.addEventListener('seeked', r, {once: true}));
        return {duration: v.duration, playing, scrubbed: v.currentTime};
    }""")
    expected = float(player.get_attribute("data-duration"))  # the manifest's duration
    assert expected >= 4.0 and abs(played["duration"] - expected) < 0.35, (played, expected)
    assert played["playing"] > 0 and played["scrubbed"] > played["duration"] * 0.6, played
    assert any(r.endswith("/files/final.mp4") for r in requests)
    downloads = page.locator(".downloads a")
    labels = downloads.all_inner_texts()
    assert any("MP4" in t for t in labels) and any("SRT" in t for t in labels)
    assert any("Manifest" in t for t in labels)
    srt = page.request.get(page.locator(".downloads a", has_text="SRT").get_attribute("href"))
    assert srt.status == 200 and "-->" in srt.text()
    assert "attachment" in srt.headers["content-disposition"]
    assert "Why this song" in page.locator("#music-h + .music").inner_text()
    assert_accessible(page)
    page.evaluate("document.querySelector('#player').currentTime = 1.2")
    screenshot(page, "job")
    studio.shared["first_job"] = job_url.rsplit("/", 1)[1]

    # edit scene 1's narration and re-run from it
    edited = "Cats purr when they are happy, and also to soothe themselves."
    page.get_by_label("Scene 1 narration").fill(edited)
    page.get_by_role("button", name="Re-run from scene 1").click()
    page.wait_for_url(lambda url: url != job_url and "/jobs/" in url)
    page.locator("#job-state[data-state=succeeded]").wait_for(timeout=150_000)
    page.get_by_label("Scene 1 narration").wait_for()
    assert page.get_by_label("Scene 1 narration").input_value() == edited
    made = page.locator("#made-h + p + table").inner_text()
    assert "edited-plan" in made  # the plan came from the edit, not the writer
    scenes = page.locator("textarea[name=narration]").count()
    if scenes > 1:  # untouched scenes came from the step cache
        assert page.locator("#made-h ~ table .tag", has_text="cached").count() >= 2


@pytest.mark.slow
def test_jobs_list_filters_by_state_and_offers_re_run(editor_page: Any, studio: Studio) -> None:
    page = editor_page
    page.goto("/jobs")
    rows = page.locator("#jobs-table tbody tr")
    assert rows.count() >= 2
    page.get_by_label("State").select_option("failed")
    page.wait_for_url(re.compile(r".*state=failed.*"))
    assert "No jobs match these filters" in page.locator("main").inner_text()
    page.get_by_label("State").select_option("succeeded")
    page.wait_for_url(re.compile(r".*state=succeeded.*"))
    page.get_by_label("Created").select_option("24h")
    page.wait_for_url(re.compile(r".*since=24h.*"))
    assert rows.count() >= 2
    assert page.get_by_role("button", name=re.compile("Re-run")).count() >= 2
    assert_accessible(page)
    screenshot(page, "jobs")


def test_song_search_finds_songs_by_meaning_and_plays_them(editor_page: Any,
                                                           studio: Studio) -> None:
    assert studio.catalog_ready.wait(timeout=240), "the built-in catalog was not indexed"
    page = editor_page
    page.goto("/library")
    page.get_by_label("Describe the music").fill("calm piano, hopeful")
    page.get_by_role("button", name="Search").click()
    page.locator("#song-count").wait_for(timeout=60_000)
    first = page.locator(".songs .song").first
    assert "calm" in first.inner_text().lower()
    audio = first.locator("audio").get_attribute("src")
    answer = page.request.get(audio)
    assert answer.status == 200 and answer.headers["content-type"].startswith("audio/")
    first.locator("summary").click()
    assert "cosine" in first.locator("details").inner_text()
    assert_accessible(page)
    screenshot(page, "library-songs")


def _pictures(folder: Path) -> list[Path]:
    """Three different pictures and a resized copy of the first (a duplicate)."""
    from PIL import Image, ImageDraw

    made = []
    for index, colour in enumerate(((255, 140, 60), (40, 90, 200), (60, 170, 90))):
        picture = Image.new("RGB", (320, 240), colour)
        draw = ImageDraw.Draw(picture)
        draw.ellipse((40 + 30 * index, 40, 200 + 20 * index, 200), fill=(250, 240, 220))
        draw.rectangle((0, 180, 320, 240), fill=tuple(c // 2 for c in colour))
        made.append(folder / f"{['sunset', 'lake', 'forest'][index]}.png")
        picture.save(made[-1])
        if index == 0:
            copy = folder / "sunset-small.jpg"
            picture.resize((160, 120)).save(copy, quality=85)
    return [*made, folder / "sunset-small.jpg"]


def _reload_until(page: Any, selector: str, timeout_s: float = 90) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} never appeared on {page.url}"
        page.wait_for_timeout(1000)
        page.reload()


@pytest.mark.slow
def test_library_upload_shows_video_shots_with_keyframes_and_picture_groups(
        editor_page: Any, studio: Studio, tmp_path: Path) -> None:
    page = editor_page
    job = studio.shared.get("first_job")
    assert job, "the job test did not leave a video"
    video = tmp_path / "cats.mp4"
    video.write_bytes(page.request.get(f"/jobs/{job}/files/final.mp4").body())
    page.goto("/library/videos")
    page.get_by_label("Add files").set_input_files(str(video))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r".*/library/videos\?added=.*"))
    assert "analysing" in page.locator(".notice").inner_text()
    for picture in _pictures(tmp_path):
        page.goto("/library/images")
        page.get_by_label("Add files").set_input_files(str(picture))
        page.get_by_role("button", name="Upload").click()
        page.wait_for_url(re.compile(r".*/library/images\?added=.*"))
    page.goto("/library/videos")
    _reload_until(page, ".video-item .timeline span")
    assert page.locator(".keyframes video").count() >= 1
    assert "shot" in page.locator(".video-item").first.inner_text()
    page.locator(".keyframes video").first.evaluate(
        "v => new Promise(r => v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r))")
    assert_accessible(page)
    screenshot(page, "library-videos")

    page.goto("/library/images")
    _reload_until(page, "#dupes-h ~ .group")
    duplicates = page.locator("#dupes-h ~ .group").first.inner_text()
    assert "2 copies" in duplicates and "sunset.png" in duplicates
    assert "Keep · sunset.png" in duplicates  # the larger copy is the one to keep
    assert page.locator("#all-h + .thumbs img").count() == 4
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert_accessible(page)
    screenshot(page, "library-images")


def test_admin_sees_providers_and_creates_then_revokes_a_key(admin_page: Any, browser: Any,
                                                              studio: Studio) -> None:
    page = admin_page
    page.goto("/settings")
    table = page.locator("#prov-h ~ table").inner_text()
    assert "template" in table and "Available" in table and "Not configured" in table
    page.get_by_label("Name").fill("dashboard")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key .secret").inner_text().strip()
    assert secret.startswith("rf_")

    other = browser.new_context(viewport=DESKTOP, base_url=studio.url)
    studio.keys["dashboard"] = secret
    viewer = sign_in(other, studio, "dashboard")
    assert "viewer" in viewer.locator(".who").inner_text()
    assert "can look but not make videos" in viewer.locator("main").inner_text()
    viewer.goto("/settings")
    assert "Only an admin" in viewer.locator("#keys").inner_text()

    prefix = secret.split("_")[1]
    page.goto("/settings")
    page.get_by_role("button", name=f"Revoke key {prefix}").click()
    page.wait_for_url(re.compile(r".*/settings"))
    assert "Revoked" in page.locator("#keys tr", has_text=prefix).inner_text()
    for _ in range(12):  # the server's key cache forgets a key within 5 s
        viewer.goto("/jobs")
        if "/signin" in viewer.url:
            break
        viewer.wait_for_timeout(1000)
    assert "/signin" in viewer.url  # the revoked key's session ended, and says so
    assert "sign-in ended" in viewer.locator("main").inner_text()
    other.close()
    assert_accessible(page)
    screenshot(page, "settings")


def test_keyboard_reaches_the_skip_link_first_and_the_prompt_from_it(editor_page: Any) -> None:
    page = editor_page
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "prompt"  # past "Your jobs"
    page.keyboard.type("Typed without a mouse")
    assert page.get_by_label("Prompt").input_value() == "Typed without a mouse"


def test_hear_it_plays_a_sample_of_the_chosen_voice_and_emotion(editor_page: Any) -> None:
    page = editor_page
    page.goto("/")
    page.get_by_label("Emotion").select_option("excited")
    with page.expect_response(lambda r: "/voices/sample?" in r.url) as answer:
        page.get_by_role("button", name="Hear it").click()
    assert answer.value.status == 200 and "emotion=excited" in answer.value.url
    page.locator("#sample-status", has_text="Playing").wait_for(timeout=30_000)
    assert page.evaluate("document.getElementById('sample-audio').duration") > 1.0
