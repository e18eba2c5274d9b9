"""SSRF: a Runware result URL is checked before any connection, and fetched from the checked
address only. Nothing here sends traffic anywhere: the inner transport records and refuses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from reelforge.domain import Scene
from reelforge.providers.base import ClipRequest
from reelforge.providers.video.runware import RunwareVideo
from reelforge.security.ssrf import GuardedTransport, UnsafeUrl, UrlPolicy, check_url

API = "https://api.runware.ai/v1"
DNS = {"cdn.example": ["93.184.216.34"], "rebind.example": ["10.0.0.5"],
       "metadata.example": ["169.254.169.254"], "mixed.example": ["93.184.216.34", "127.0.0.1"]}


def table(host: str, port: int) -> list[str]:
    return DNS[host]


POLICY = UrlPolicy(resolve=table)


class Recorder(httpx.AsyncBaseTransport):
    """Answers the Runware API; records every other request it is asked to send."""

    def __init__(self, video_url: str, media: httpx.Response | None = None) -> None:
        self.video_url = video_url
        self.media = media
        self.fetched: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith(API):
            import json

            task = json.loads(request.content)[0]
            return httpx.Response(200, json={"data": [{
                "taskType": "videoInference", "taskUUID": task["taskUUID"], "status": "success",
                "videoUUID": "v1", "videoURL": self.video_url, "cost": 0.1}]})
        self.fetched.append(request)
        if self.media is None:
            raise AssertionError(f"a connection to {request.url} was attempted")
        return self.media


def generate(url: str, tmp_path: Path, policy: UrlPolicy = POLICY) -> Recorder:
    recorder = Recorder(url)
    engine = RunwareVideo("key-abcdef", base_url=API, transport=recorder, poll_initial_s=0.0,
                          url_policy=UrlPolicy(trusted_origins=frozenset({"https://api.runware.ai:443"}),
                                               resolve=policy.resolve))
    scene = Scene(index=0, title="t", narration="n", visual_prompt="an octopus", negative_prompt="")
    with pytest.raises(UnsafeUrl):
        engine.generate(ClipRequest(scene=scene, width=1080, height=1920, fps=30, duration_s=4.0,
                                    seed=1), tmp_path / "clip.mp4")
    return recorder


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/v.mp4", "http://127.0.0.1:8080/v.mp4", "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/v.mp4", "https://10.255.1.2:8443/v.mp4", "https://[::1]/v.mp4",
    "https://[::ffff:169.254.169.254]/v.mp4", "https://rebind.example/v.mp4",
    "https://metadata.example/v.mp4", "https://mixed.example/v.mp4",
    "http://cdn.example/v.mp4", "file:///etc/passwd", "https://user:pw@cdn.example/v.mp4",
])
def test_runware_result_url_on_a_private_address_is_refused_before_any_connection(
        url: str, tmp_path: Path) -> None:
    recorder = generate(url, tmp_path)
    assert recorder.fetched == []
    assert not (tmp_path / "clip.mp4").exists()


def test_a_public_result_url_is_fetched_from_the_checked_address_with_its_host_name() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    async def fetch() -> None:
        transport = GuardedTransport(POLICY, provider="runware",
                                     inner=httpx.MockTransport(handler))
        async with httpx.AsyncClient(transport=transport) as client:
            (await client.get("https://cdn.example/v.mp4")).raise_for_status()

    asyncio.run(fetch())
    (request,) = seen
    assert request.url.host == "93.184.216.34"  # pinned: no second DNS lookup at connect
    assert request.headers["host"] == "cdn.example"
    assert request.extensions["sni_hostname"] == "cdn.example"  # TLS checks the real name


def test_a_redirect_to_the_metadata_address_is_refused_at_the_hop() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://169.254.169.254/latest/"})

    async def fetch() -> None:
        transport = GuardedTransport(POLICY, provider="runware",
                                     inner=httpx.MockTransport(handler))
        async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
            await client.get("https://cdn.example/v.mp4")

    with pytest.raises(UnsafeUrl):
        asyncio.run(fetch())
    assert seen == ["https://93.184.216.34/v.mp4"]


def test_the_download_never_carries_the_runware_api_key(tmp_path: Path) -> None:
    mp4 = (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    recorder = Recorder("https://cdn.example/v.mp4",
                        httpx.Response(200, content=mp4, headers={"content-type": "video/mp4"}))
    engine = RunwareVideo("key-abcdef", base_url=API, transport=recorder, poll_initial_s=0.0,
                          url_policy=UrlPolicy(resolve=table))
    scene = Scene(index=0, title="t", narration="n", visual_prompt="an octopus", negative_prompt="")
    with pytest.raises(Exception):  # noqa: B017 - the 100-byte stub is no playable video
        engine.generate(ClipRequest(scene=scene, width=1080, height=1920, fps=30, duration_s=4.0,
                                    seed=1), tmp_path / "clip.mp4")
    (request,) = recorder.fetched
    assert "authorization" not in request.headers


def test_the_fakes_on_loopback_need_the_setting_or_a_trusted_origin() -> None:
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:9000/media/x.mp4", UrlPolicy(), provider="runware")
    allowed = UrlPolicy(allow_private=True, allow_http=True)
    assert check_url("http://127.0.0.1:9000/m.mp4", allowed, provider="runware").address
    trusted = UrlPolicy(trusted_origins=frozenset({"http://127.0.0.1:9000"}))
    assert check_url("http://127.0.0.1:9000/m.mp4", trusted, provider="runware").address is None
