"""The Runware fake: task arrays, both auth styles, async life cycle, cumulative results."""

from __future__ import annotations

import time
import uuid

import httpx

from reelforge.fakes.server import RunningFakes


def video_task(**extra: object) -> dict[str, object]:
    return {"taskType": "videoInference", "taskUUID": str(uuid.uuid4()), "model": "klingai:5@3",
            "positivePrompt": "waves on a rocky shore", "duration": 2, "width": 256,
            "height": 256, "fps": 8, "deliveryMethod": "async", "includeCost": True, **extra}


def test_runware_fake_accepts_an_authentication_task_instead_of_a_header(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url = f"{served['runware'].url}/v1"
    ping = [{"taskType": "ping", "taskUUID": str(uuid.uuid4()), "ping": True}]
    assert http.post(url, json=ping).status_code == 401
    reply = http.post(url, json=[{"taskType": "authentication", "apiKey": key}, *ping])
    assert reply.json()["data"] == [{"taskType": "ping", "pong": True}]


def test_runware_fake_moves_a_task_from_processing_to_success_with_cumulative_items(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url, headers = f"{served['runware'].url}/v1", {"Authorization": f"Bearer {key}"}
    task = video_task()
    ack = http.post(url, json=[task], headers=headers).json()
    assert ack == {"data": [{"taskType": "videoInference", "taskUUID": task["taskUUID"]}]}
    poll = [{"taskType": "getResponse", "taskUUID": task["taskUUID"]}]
    assert http.post(url, json=poll, headers=headers).json()["data"][0]["status"] == "processing"
    deadline = time.monotonic() + 30
    while True:
        items = http.post(url, json=poll, headers=headers).json()["data"]
        if items[0]["status"] == "success" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    again = http.post(url, json=poll, headers=headers).json()["data"]
    assert items == again  # the reply is the cumulative state
    (video,) = items
    assert video["cost"] == 0.14 and video["videoURL"].startswith(served["runware"].url)
    media = http.get(video["videoURL"])
    assert media.headers["content-type"] == "video/mp4" and media.content[4:8] == b"ftyp"


def test_runware_fake_rejects_a_reused_task_uuid_and_bad_fields(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url, headers = f"{served['runware'].url}/v1", {"Authorization": f"Bearer {key}"}
    task = video_task()
    http.post(url, json=[task], headers=headers)
    reused = http.post(url, json=[task], headers=headers)
    assert reused.status_code == 400
    assert reused.json()["errors"][0]["code"] == "conflictTaskUUID"
    bad = http.post(url, json=[video_task(model="kling", width=250)], headers=headers).json()
    assert bad["errors"][0]["code"] == "invalidModel"
    assert served["runware"].state.paid["videoInference"] == 1


def test_runware_fake_dry_run_prices_without_running(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    reply = http.post(f"{served['runware'].url}/v1", json=[video_task()],
                      headers={"Authorization": f"Bearer {key}", "X-Runware-Dry-Run": "1"})
    assert reply.json()["data"][0]["cost"] == 0.14
    assert served["runware"].state.paid["videoInference"] == 0


def test_runware_fake_body_must_be_a_task_array(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    reply = http.post(f"{served['runware'].url}/v1", json={"taskType": "ping"},
                      headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 400 and reply.json()["errors"][0]["code"] == "invalidPayload"


def test_runware_fake_model_search_finds_the_default_model(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    reply = http.post(f"{served['runware'].url}/v1", headers={"Authorization": f"Bearer {key}"},
                      json=[{"taskType": "modelSearch", "taskUUID": str(uuid.uuid4()),
                             "search": "klingai:5@3", "limit": 1}]).json()
    (item,) = reply["data"]
    assert item["results"][0]["air"] == "klingai:5@3" and item["totalResults"] == 1
