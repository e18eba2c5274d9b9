"""RunwareVideo against the Runware fake: async task, polling, download, every fault kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reelforge.domain import Scene
from reelforge.errors import InputError, ProviderError
from reelforge.fakes.common import FakeState
from reelforge.fakes.server import RunningFakes
from reelforge.providers import spend
from reelforge.providers.base import ClipRequest
from reelforge.providers.spend import MemorySpendLedger, SpendScope
from reelforge.providers.video.runware import ESTIMATED_USD_PER_SECOND, RunwareVideo
from reelforge.settings import Settings

SUBMIT, POLL, MEDIA = "POST /v1 videoInference", "POST /v1 getResponse", "GET /media"
SCENE = Scene(index=0, title="Octopus", narration="An octopus opens a jar.",
              visual_prompt="an octopus opening a glass jar underwater, macro shot",
              negative_prompt="blurry, text")
SCOPE = SpendScope(tenant_id=1, job_id="job-1", step="visualize scene-01")


def clip(scene: Scene = SCENE) -> ClipRequest:
    return ClipRequest(scene=scene, width=1080, height=1920, fps=30, duration_s=4.2, seed=7)


@pytest.fixture
def runware(remote_settings: Settings) -> RunwareVideo:
    return RunwareVideo.from_settings(remote_settings)


def test_runware_generates_a_real_mp4_and_records_cost_and_task_uuid(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    out = tmp_path / "clip.mp4"
    result = runware.generate(clip(), out)
    assert out.read_bytes()[4:8] == b"ftyp"
    assert result.duration_s == pytest.approx(5.0, abs=0.2)  # the model's 5 s covers 4.2 s
    assert result.width > 0 and result.height > result.width  # portrait, as asked
    submit, polls, download = result.calls
    assert submit.operation == "videoInference" and submit.cost_usd == pytest.approx(0.35)
    assert submit.request_id == polls.request_id == download.request_id
    assert polls.operation.startswith("getResponse x")
    assert fakes["runware"].state.paid["videoInference"] == 1
    assert not list(tmp_path.glob("*.part"))


def test_runware_task_is_async_with_client_uuid_cost_and_validated_size(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    result = runware.generate(clip(), tmp_path / "clip.mp4")
    (body,) = fakes["runware"].state.bodies[SUBMIT]
    (task,) = body
    assert task["taskUUID"] == result.calls[0].request_id
    assert task["deliveryMethod"] == "async" and task["includeCost"] is True
    assert (task["width"], task["height"]) == (256, 456)
    assert task["width"] % 8 == 0 and task["height"] % 8 == 0
    assert task["duration"] == 5.0 and task["fps"] == 12 and task["seed"] == 8
    assert task["negativePrompt"] == "blurry, text"
    polls = fakes["runware"].state.bodies[POLL]
    assert polls[0] == [{"taskType": "getResponse", "taskUUID": task["taskUUID"]}]


def test_runware_polls_with_growing_intervals_until_success(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.config.task_delay_s = 0.6
    try:
        result = runware.generate(clip(), tmp_path / "clip.mp4")
    finally:
        fakes["runware"].state.config.task_delay_s = 0.2
    polls = fakes["runware"].state.requests[POLL]
    assert 3 <= polls <= 8  # 0.05, 0.075, 0.11, 0.17, 0.2 ... not a busy loop
    assert result.calls[1].operation == f"getResponse x{polls}"


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "drop", "malformed"])
def test_runware_client_retries_transient_faults_while_polling(
    fault: str, runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(POLL, fault, times=1)
    result = runware.generate(clip(), tmp_path / "clip.mp4")
    assert result.calls[1].attempts == fakes["runware"].state.requests[POLL]
    assert fakes["runware"].state.paid["videoInference"] == 1


def test_runware_client_retries_after_429_with_retry_after_on_submit(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(SUBMIT, "429", times=2)
    result = runware.generate(clip(), tmp_path / "clip.mp4")
    assert result.calls[0].attempts == 3
    assert fakes["runware"].state.paid["videoInference"] == 1


def test_runware_does_not_retry_when_retry_after_exceeds_the_cap(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.config.retry_after_s = 600  # cap in these settings is 2 s
    fakes["runware"].state.inject(SUBMIT, "429", times=1)
    with pytest.raises(ProviderError, match="more than the 2 s cap") as caught:
        runware.generate(clip(), tmp_path / "clip.mp4")
    assert caught.value.status == 429
    assert fakes["runware"].state.requests[SUBMIT] == 1


def test_runware_retries_a_slow_submit_that_timed_out(
    impatient_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(SUBMIT, "slow", times=1)
    result = RunwareVideo.from_settings(impatient_settings).generate(clip(), tmp_path / "c.mp4")
    assert result.calls[0].attempts == 2


def test_runware_reports_a_failed_task_inside_data(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(SUBMIT, "task-error", times=1)
    with pytest.raises(ProviderError, match="inferenceError") as caught:
        runware.generate(clip(), tmp_path / "clip.mp4")
    assert caught.value.request_id and not caught.value.retryable
    assert not (tmp_path / "clip.mp4").exists()


def test_runware_reports_a_failed_task_in_top_level_errors(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(SUBMIT, "task-error-top", times=1)
    with pytest.raises(ProviderError, match="video generation failed: inferenceError"):
        runware.generate(clip(), tmp_path / "clip.mp4")


def test_runware_retries_a_truncated_download_and_keeps_no_partial_file(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(MEDIA, "truncate", times=2)
    out = tmp_path / "clip.mp4"
    result = runware.generate(clip(), out)
    assert result.calls[2].attempts == 3
    assert out.read_bytes()[4:8] == b"ftyp" and not list(tmp_path.glob("*.part"))


def test_runware_fails_clearly_when_the_download_stays_truncated(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(MEDIA, "truncate", times=10)
    with pytest.raises(ProviderError, match="gave up after 4 attempts"):
        runware.generate(clip(), tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists() and not list(tmp_path.glob("*.part"))


def test_runware_rejects_an_oversized_download(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    tiny = remote_settings.model_copy(update={"runware_max_download_mb": 0.001})
    with pytest.raises(ProviderError, match="larger than"):
        RunwareVideo.from_settings(tiny).generate(clip(), tmp_path / "clip.mp4")


def test_runware_gives_up_at_the_deadline(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    hasty = remote_settings.model_copy(update={"runware_deadline_s": 0.1})
    with pytest.raises(ProviderError, match="not ready after") as caught:
        RunwareVideo.from_settings(hasty).generate(clip(), tmp_path / "clip.mp4")
    assert caught.value.retryable


@pytest.mark.parametrize(("update", "message"), [
    ({"runware_model": "kling v5"}, "not a Runware model id"),
    ({"runware_resolution": 60}, "not accepted by Runware"),
    ({"runware_fps": 0}, "fps 0"),
])
def test_runware_validates_parameters_before_sending(
    update: dict[str, object], message: str, remote_settings: Settings, fakes: RunningFakes,
    tmp_path: Path,
) -> None:
    engine = RunwareVideo.from_settings(remote_settings.model_copy(update=update))
    with pytest.raises(InputError, match=message):
        engine.generate(clip(), tmp_path / "clip.mp4")
    assert fakes["runware"].state.requests[SUBMIT] == 0


def test_runware_validates_the_prompts_before_sending(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    for scene in (SCENE.model_copy(update={"visual_prompt": "x", "title": "y"}),
                  SCENE.model_copy(update={"negative_prompt": "no " * 1100})):
        with pytest.raises(InputError, match="scene 1"):
            runware.generate(clip(scene), tmp_path / "clip.mp4")
    assert fakes["runware"].state.requests[SUBMIT] == 0


def test_runware_picks_the_shortest_accepted_duration_that_covers_the_scene(
    runware: RunwareVideo,
) -> None:
    assert runware.duration_for(3.0) == 5.0
    assert runware.duration_for(7.5) == 10.0
    assert runware.duration_for(25.0) == 10.0


def test_runware_rejected_key_is_not_retried(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    bad = remote_settings.model_copy(update={"runware_api_key": SecretStr("rw-wrong-000000")})
    with pytest.raises(ProviderError, match="invalidApiKey") as caught:
        RunwareVideo.from_settings(bad).generate(clip(), tmp_path / "clip.mp4")
    assert caught.value.status == 401 and "RUNWARE_API_KEY" in str(caught.value)
    assert fakes["runware"].state.requests[SUBMIT] == 1


def test_runware_submit_whose_reply_was_lost_is_polled_not_paid_twice(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["runware"].state.inject(SUBMIT, "drop-after", times=1)
    result = runware.generate(clip(), tmp_path / "clip.mp4")
    assert fakes["runware"].state.requests[SUBMIT] == 2  # the retry met conflictTaskUUID
    assert fakes["runware"].state.paid["videoInference"] == 1
    assert result.calls[0].attempts == 2
    assert (tmp_path / "clip.mp4").read_bytes()[4:8] == b"ftyp"


def test_runware_polling_deduplicates_the_cumulative_results() -> None:
    import asyncio

    import httpx

    from reelforge.providers.http import HttpPolicy, ProviderHttp

    uid = "5b1f6a52-3d8e-4c1e-9f0a-1b2c3d4e5f60"
    done = {"taskType": "videoInference", "taskUUID": uid, "status": "success",
            "videoUUID": "v1", "videoURL": "https://cdn.example/v1.mp4", "cost": 0.35}
    replies = iter([
        {"data": [{**done, "videoUUID": "v1"}, {"taskUUID": uid, "status": "processing"}]},
        {"data": [done, {**done, "videoUUID": "v2", "videoURL": "https://cdn.example/v2.mp4"}]},
    ])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(replies))

    engine = RunwareVideo("key-123456", poll_initial_s=0.0, poll_max_s=0.0)

    async def run() -> list[dict[str, object]]:
        async with ProviderHttp("runware", "https://api.runware.ai/v1", policy=HttpPolicy(),
                                key_name="RUNWARE_API_KEY",
                                transport=httpx.MockTransport(handler)) as http:
            videos, polls, _, _ = await engine._poll(http, uid)
            assert polls == 2
            return videos

    videos = asyncio.run(run())
    assert [v["videoUUID"] for v in videos] == ["v1", "v2"]


def test_runware_task_of_a_killed_worker_is_polled_on_resume_not_paid_again(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    """A worker SIGKILLed while Runware renders leaves its task noted in the shared cache
    folder; the job's next run (any worker) re-sends that taskUUID, meets conflictTaskUUID and
    polls the task it already paid for."""
    first = RunwareVideo.from_settings(remote_settings)
    task = first.build_task(clip())
    note = first._journal_note(task)
    assert note is not None and note.is_relative_to(remote_settings.cache_dir)
    note.parent.mkdir(parents=True)
    note.write_text(task["taskUUID"])  # what the killed worker wrote before its submit...
    import httpx

    assert remote_settings.runware_api_key is not None
    key = remote_settings.runware_api_key.get_secret_value()
    httpx.post(remote_settings.runware_base_url, json=[task],  # ...and the submit it paid for
               headers={"Authorization": f"Bearer {key}"}).raise_for_status()
    assert fakes["runware"].state.paid["videoInference"] == 1
    result = RunwareVideo.from_settings(remote_settings).generate(clip(), tmp_path / "clip.mp4")
    assert fakes["runware"].state.paid["videoInference"] == 1  # resumed, not paid again
    assert result.calls[0].request_id == task["taskUUID"]
    assert (tmp_path / "clip.mp4").read_bytes()[4:8] == b"ftyp"
    assert not note.exists()  # done: the note is gone, the next identical request pays anew
    RunwareVideo.from_settings(remote_settings).generate(clip(), tmp_path / "again.mp4")
    assert fakes["runware"].state.paid["videoInference"] == 2


def test_runware_task_noted_but_never_sent_by_a_killed_worker_is_sent_once_on_resume(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    engine = RunwareVideo.from_settings(remote_settings)
    task = engine.build_task(clip())
    note = engine._journal_note(task)
    assert note is not None
    note.parent.mkdir(parents=True)
    note.write_text(json.dumps({"task_uuid": task["taskUUID"], "call_id": None}))
    result = RunwareVideo.from_settings(remote_settings).generate(clip(), tmp_path / "clip.mp4")
    assert result.calls[0].request_id == task["taskUUID"]
    assert fakes["runware"].state.paid["videoInference"] == 1 and not note.exists()


# --- an attempt that gave up is resumed, never paid for again ------------------------------


def _give_up_on_polls(state: FakeState) -> None:
    state.inject(POLL, "500", times=4)  # 1 try + http_max_retries (3): the poll gives up


def _give_up_on_downloads(state: FakeState) -> None:
    state.inject(MEDIA, "truncate", times=4)


def _lose_every_submit_reply(state: FakeState) -> None:
    state.inject(SUBMIT, "drop-after", times=4)  # done by Runware; no reply ever arrives


def _hold_past_the_deadline(state: FakeState) -> None:
    state.config.task_delay_s = 1.0  # these settings give the first attempt 0.3 s


@pytest.mark.parametrize("failure", [_give_up_on_polls, _give_up_on_downloads,
                                     _lose_every_submit_reply, _hold_past_the_deadline])
def test_runware_attempt_that_gave_up_is_resumed_and_its_task_billed_once(
    failure: Callable[[FakeState], None], remote_settings: Settings, fakes: RunningFakes,
    tmp_path: Path,
) -> None:
    state = fakes["runware"].state
    ledger = MemorySpendLedger()
    first_try = remote_settings.model_copy(update={"runware_deadline_s": 0.3})
    failure(state)
    with spend.recording(ledger, SCOPE):
        with pytest.raises(ProviderError) as caught:
            RunwareVideo.from_settings(first_try).generate(clip(), tmp_path / "clip.mp4")
        assert caught.value.retryable  # the worker tries again: that must not pay again
        (entry,) = ledger.entries
        # billed (Runware said done) or may be billing: either way counted, never hidden
        assert entry.state == ("confirmed" if failure is _give_up_on_downloads else "sent")
        state.faults.clear()
        state.config.task_delay_s = 0.2
        result = RunwareVideo.from_settings(remote_settings).generate(clip(),
                                                                      tmp_path / "clip.mp4")
    assert state.paid["videoInference"] == 1
    (body, *resent) = state.bodies[SUBMIT]
    assert result.calls[0].request_id == body[0]["taskUUID"]
    assert all(again[0]["taskUUID"] == body[0]["taskUUID"] for again in resent)
    assert (tmp_path / "clip.mp4").read_bytes()[4:8] == b"ftyp"
    (entry,) = ledger.entries
    assert entry.state == "confirmed" and entry.settlement is not None
    assert entry.settlement.request_id == result.calls[0].request_id
    assert entry.settlement.cost_usd == pytest.approx(0.35)
    notes = remote_settings.cache_dir / "runware-tasks"
    assert not [p for p in notes.rglob("*") if p.is_file()]  # Runware said done: note closed


def test_runware_task_that_runware_failed_closes_its_note_and_is_not_billed(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    ledger = MemorySpendLedger()
    fakes["runware"].state.inject(SUBMIT, "task-error", times=1)
    with spend.recording(ledger, SCOPE), pytest.raises(ProviderError, match="inferenceError"):
        runware.generate(clip(), tmp_path / "clip.mp4")
    (entry,) = ledger.entries
    assert entry.state == "failed" and entry.settlement is not None
    assert entry.settlement.may_have_billed is False
    runware.generate(clip(), tmp_path / "clip.mp4")  # a new task, as the failed one is over
    assert len(set(t[0]["taskUUID"] for t in fakes["runware"].state.bodies[SUBMIT])) == 2


def test_runware_ledger_entry_names_tenant_job_step_model_and_estimate(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    ledger = MemorySpendLedger()
    with spend.recording(ledger, SCOPE):
        runware.generate(clip(), tmp_path / "clip.mp4")
    (entry,) = ledger.entries
    assert entry.scope == SCOPE
    assert (entry.request.provider, entry.request.operation) == ("runware", "videoInference")
    assert entry.request.model == runware.model and len(entry.request.fingerprint) == 64
    assert entry.request.estimated_cost_usd == pytest.approx(5.0 * ESTIMATED_USD_PER_SECOND)


def test_runware_notes_of_two_tenants_never_share_a_task(
    runware: RunwareVideo, fakes: RunningFakes, tmp_path: Path
) -> None:
    task = runware.build_task(clip())
    with spend.recording(MemorySpendLedger(), SCOPE):
        ours = runware._journal_note(task)
    with spend.recording(MemorySpendLedger(), SpendScope(tenant_id=2, job_id="j2", step="v")):
        theirs = runware._journal_note(task)
    assert ours != theirs


def test_runware_note_is_written_once_so_two_workers_share_one_task(tmp_path: Path) -> None:
    import uuid

    from reelforge.providers.video.runware import TaskNote, _read_note, _write_note

    path = tmp_path / "ab" / "abcdef"
    first = TaskNote(path, str(uuid.uuid4()), "call-1", resumed=False)
    second = TaskNote(path, str(uuid.uuid4()), "call-2", resumed=False)
    assert _write_note(first) and not _write_note(second)
    found = _read_note(path)
    assert found is not None and (found.task_uuid, found.call_id) == (first.task_uuid, "call-1")
    assert found.resumed and not list(path.parent.glob("*.part"))
    path.write_text("not a note")
    assert _read_note(path) is None and _write_note(second)  # an unreadable note is replaced
