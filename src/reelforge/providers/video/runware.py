"""Runware ``videoInference`` as a VideoGenerator: submit async, poll ``getResponse``, download.

The task carries a client-made ``taskUUID`` and ``includeCost``; parameters are checked before
anything is sent (a rejected request still costs a round trip). Polling backs off up to an
overall deadline, reads failures both inside ``data`` and in top-level ``errors[]``, and
de-duplicates the cumulative results by ``videoUUID``. The video is streamed to a temporary file,
checked for size and type, then renamed into place.

A task is paid for once. Its note (``journal_dir``, in the fleet-shared step cache, per tenant)
is written before the task is sent and lives until Runware says the task finished (and its video
is in place) or failed: a poll that gave up, a download cut short, the deadline, or a killed
worker all leave it, and the next attempt, on any worker, re-sends that same ``taskUUID``
(Runware's idempotency: a known one meets ``conflictTaskUUID``), then polls and downloads that
task instead of paying for a new one. The spend ledger gets the task when its note is written
and settles it when Runware reports it done (with its cost) or failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reelforge.domain import ProviderCall
from reelforge.errors import InputError, ProviderError
from reelforge.providers import metrics, spend
from reelforge.providers.base import ClipRequest, ClipResult
from reelforge.providers.http import HttpPolicy, ProviderHttp, ProviderHttpError, run_sync
from reelforge.providers.paid_calls import PaidCall, begin_paid_call, resumed_paid_call
from reelforge.security.ssrf import GuardedTransport, UrlPolicy, origin_of
from reelforge.settings import Settings

PROVIDER = "runware"
AIR_ID = re.compile(r"^[a-z0-9_-]+:\d+@\d+$")
PENDING = ("processing", "queued", "pending", "scheduled", "waiting")
VIDEO_TYPES = ("video/mp4", "application/octet-stream", "binary/octet-stream")
SIZE_MULTIPLE, MIN_SIDE, MAX_SIDE = 8, 128, 2048
MAX_PROMPT_CHARS = 3000
MAX_SEED = 2**63 - 1
#: The ledger's estimate before Runware reports a task's own ``cost`` (list price of klingai).
ESTIMATED_USD_PER_SECOND = 0.06


@dataclass(frozen=True)
class TaskNote:
    """The task in flight for one request, as written down before it was first sent."""

    path: Path | None
    task_uuid: str
    call_id: str | None  # its spend-ledger entry, when a ledger was recording
    resumed: bool  # an earlier attempt wrote it: the task may already exist at Runware

    def close(self) -> None:
        """Runware said the task finished or failed: the next identical request is new work."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class RunwareVideo:
    """Generates each scene's clip with a Runware video model (default ``klingai:5@3``)."""

    name = "runware"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = "klingai:5@3",
        base_url: str = "https://api.runware.ai/v1",
        policy: HttpPolicy | None = None,
        resolution: int = 720,
        fps: int = 24,
        durations: tuple[float, ...] = (5.0, 10.0),
        poll_initial_s: float = 1.0,
        poll_max_s: float = 10.0,
        deadline_s: float = 900.0,
        max_download_bytes: int = 500_000_000,
        transport: httpx.AsyncBaseTransport | None = None,
        journal_dir: Path | None = None,
        url_policy: UrlPolicy | None = None,
    ) -> None:
        self._api_key = api_key
        # result URLs come from the remote: checked against SSRF (the API's own origin trusted)
        self.url_policy = url_policy or UrlPolicy(trusted_origins=frozenset({origin_of(base_url)}))
        self.journal_dir = journal_dir
        self.model = model
        self.base_url = base_url
        self.policy = policy or HttpPolicy()
        self.resolution = resolution
        self.fps = fps
        self.durations = tuple(sorted(durations))
        self.poll_initial_s = poll_initial_s
        self.poll_max_s = poll_max_s
        self.deadline_s = deadline_s
        self.max_download_bytes = max_download_bytes
        self.version = f"1:{model}"
        self._transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> RunwareVideo:
        if settings.runware_api_key is None:
            raise InputError(
                "the Runware video engine needs an API key",
                hint="set RUNWARE_API_KEY, or REELFORGE_VIDEO_ENGINE=local",
            )
        return cls(
            settings.runware_api_key.get_secret_value(),
            model=settings.runware_model,
            base_url=settings.runware_base_url,
            policy=HttpPolicy.from_settings(settings),
            resolution=settings.runware_resolution,
            fps=settings.runware_fps,
            durations=tuple(settings.runware_durations),
            poll_initial_s=settings.runware_poll_initial_s,
            poll_max_s=settings.runware_poll_max_s,
            deadline_s=settings.runware_deadline_s,
            max_download_bytes=int(settings.runware_max_download_mb * 1_000_000),
            journal_dir=settings.cache_dir / "runware-tasks",
            url_policy=UrlPolicy(allow_private=settings.ssrf_allow_private,
                                 allow_http=settings.ssrf_allow_private,
                                 trusted_origins=frozenset({origin_of(settings.runware_base_url)})),
        )

    # --- the request --------------------------------------------------------------------------

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """The request's aspect at our resolution, both sides a multiple of 8."""
        short, long = sorted((width, height))
        long_side = round(self.resolution * long / short / SIZE_MULTIPLE) * SIZE_MULTIPLE
        short_side = round(self.resolution / SIZE_MULTIPLE) * SIZE_MULTIPLE
        return (long_side, short_side) if width >= height else (short_side, long_side)

    def duration_for(self, wanted_s: float) -> float:
        """The shortest length the model accepts that covers ``wanted_s`` (else the longest)."""
        return next((d for d in self.durations if d >= wanted_s), self.durations[-1])

    def build_task(self, request: ClipRequest) -> dict[str, Any]:
        """The videoInference task for a clip, validated field by field before it is sent."""
        scene = request.scene
        where = f"scene {scene.index + 1}"
        if not AIR_ID.match(self.model):
            raise InputError(f"{self.model!r} is not a Runware model id",
                             hint="use an AIR id such as klingai:5@3 (REELFORGE_RUNWARE_MODEL)")
        prompt = " ".join((scene.visual_prompt or scene.title).split())
        if not 2 <= len(prompt) <= MAX_PROMPT_CHARS:
            raise InputError(f"the visual prompt of {where} has {len(prompt)} characters",
                             hint=f"Runware accepts 2-{MAX_PROMPT_CHARS}; edit the plan")
        negative = " ".join(scene.negative_prompt.split())
        if len(negative) > MAX_PROMPT_CHARS:
            raise InputError(f"the negative prompt of {where} has {len(negative)} characters",
                             hint=f"Runware accepts at most {MAX_PROMPT_CHARS}")
        width, height = self.size_for(request.width, request.height)
        for side in (width, height):
            if side % SIZE_MULTIPLE or not MIN_SIDE <= side <= MAX_SIDE:
                raise InputError(
                    f"clip size {width}x{height} is not accepted by Runware",
                    hint=f"sides must be multiples of {SIZE_MULTIPLE} in {MIN_SIDE}-{MAX_SIDE};"
                    " change REELFORGE_RUNWARE_RESOLUTION",
                )
        if not 1 <= self.fps <= 60:
            raise InputError(f"fps {self.fps} is out of range",
                             hint="use 1-60 (REELFORGE_RUNWARE_FPS)")
        seed = request.seed + 1  # Runware seeds start at 1
        if not 1 <= seed <= MAX_SEED:
            raise InputError(f"seed {request.seed} is out of range", hint=f"use 0-{MAX_SEED - 1}")
        task: dict[str, Any] = {
            "taskType": "videoInference", "taskUUID": str(uuid.uuid4()), "model": self.model,
            "positivePrompt": prompt, "duration": self.duration_for(request.duration_s),
            "width": width, "height": height, "fps": self.fps, "seed": seed,
            "numberResults": 1, "outputType": "URL", "outputFormat": "MP4",
            "deliveryMethod": "async", "includeCost": True,
        }
        if len(negative) >= 2:
            task["negativePrompt"] = negative
        return task

    # --- the run ----------------------------------------------------------------------------

    def generate(self, request: ClipRequest, out_mp4: Path) -> ClipResult:
        task = self.build_task(request)
        estimate = round(ESTIMATED_USD_PER_SECOND * float(task["duration"]), 6)
        note, paid = self._open_task(task, estimate)
        task["taskUUID"] = note.task_uuid
        calls = run_sync(self._run(task, out_mp4, note=note, paid=paid))
        try:
            width, height, fps, duration = probe_video(out_mp4)
        except ProviderError:
            note.close()  # a finished task whose video is unusable: a re-run orders a new one
            raise
        note.close()
        return ClipResult(duration_s=duration, width=width, height=height, fps=fps, calls=calls)

    def _open_task(self, task: dict[str, Any], estimate: float) -> tuple[TaskNote, PaidCall]:
        """The note of this request's task: an earlier attempt's, or a new one (written, with
        the ledger entry, before anything is sent)."""
        what = {k: v for k, v in task.items() if k != "taskUUID"}
        path = self._journal_note(task)
        earlier = _read_note(path) if path is not None else None
        if earlier is not None:
            return earlier, resumed_paid_call(earlier.call_id, estimate)
        paid = begin_paid_call(PROVIDER, "videoInference", self.model, request=what,
                               estimated_cost_usd=estimate)
        note = TaskNote(path, task["taskUUID"], paid.call_id, resumed=False)
        if path is not None and not _write_note(note):
            # another worker noted the same request a moment ago: ours is never sent
            paid.fail(may_have_billed=False)
            return self._open_task(task, estimate)  # resume theirs (or, if just closed, anew)
        return note, paid

    def _journal_note(self, task: dict[str, Any]) -> Path | None:
        """Where the in-flight task for this exact request of this tenant is noted."""
        if self.journal_dir is None:
            return None
        what = {k: v for k, v in task.items() if k != "taskUUID"}
        digest = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
        active = spend.current()
        owner = f"tenant-{active.scope.tenant_id}" if active is not None else "local"
        return self.journal_dir / owner / digest[:2] / digest

    def _http(self) -> ProviderHttp:
        return ProviderHttp(
            PROVIDER, self.base_url, policy=self.policy, key_name="RUNWARE_API_KEY",
            headers={"Authorization": f"Bearer {self._api_key}"}, secrets=[self._api_key],
            transport=self._transport,
        )

    async def _run(self, task: dict[str, Any], out_mp4: Path, *, note: TaskNote,
                   paid: PaidCall) -> list[ProviderCall]:
        task_uuid = task["taskUUID"]
        async with self._http() as http:
            submit_attempts, submit_s = await self._submit(http, task, note=note, paid=paid)
            try:
                videos, polls, poll_attempts, poll_s = await self._poll(http, task_uuid)
            except TaskFailed:
                paid.fail(may_have_billed=False, request_id=task_uuid)
                note.close()
                raise
            cost = sum(float(v.get("cost") or 0.0) for v in videos)
            paid.confirm(request_id=task_uuid, cost_usd=cost)  # done and billed at Runware
            metrics.record_cost(PROVIDER, "videoInference", cost)
            out_mp4.parent.mkdir(parents=True, exist_ok=True)
        # the download goes through the SSRF guard and never carries the API key
        async with ProviderHttp(PROVIDER, self.base_url, policy=self.policy,
                                key_name="RUNWARE_API_KEY", secrets=[self._api_key],
                                transport=GuardedTransport(self.url_policy, provider=PROVIDER,
                                                           inner=self._transport,
                                                           verify=self.policy.verify)) as fetch:
            download = await fetch.download(
                "download video", str(videos[0]["videoURL"]), out_mp4,
                max_bytes=self.max_download_bytes, content_types=VIDEO_TYPES,
            )
        with out_mp4.open("rb") as fh:
            head = fh.read(12)
        if head[4:8] != b"ftyp":
            out_mp4.unlink(missing_ok=True)
            note.close()  # finished, but unusable: a re-run orders a new video
            raise ProviderError("the downloaded video is not an MP4 file", provider=PROVIDER,
                                request_id=task_uuid, hint="try again; report it if it persists")
        return [
            ProviderCall(provider=PROVIDER, operation="videoInference", model=self.model,
                         duration_s=round(submit_s, 3), cost_usd=round(cost, 6),
                         request_id=task_uuid, attempts=submit_attempts),
            ProviderCall(provider=PROVIDER, operation=f"getResponse x{polls}", model=self.model,
                         duration_s=round(poll_s, 3), request_id=task_uuid,
                         attempts=poll_attempts),
            ProviderCall(provider=PROVIDER, operation="download", model=self.model,
                         duration_s=round(download.duration_s, 3), request_id=task_uuid,
                         attempts=download.attempts),
        ]

    async def _submit(self, http: ProviderHttp, task: dict[str, Any], *, note: TaskNote,
                      paid: PaidCall) -> tuple[int, float]:
        try:
            # Not ``paid=True``: Runware de-duplicates the client's taskUUID (a resent task meets
            # conflictTaskUUID and is not billed again), so a lost reply is safe to retry.
            reply = await http.request("submit videoInference", "POST", "", json_body=[task])
        except ProviderHttpError as exc:
            # A retried submit whose first try did reach Runware, or the task of an earlier
            # attempt (resumed from its note): the task exists, so poll it.
            if "conflictTaskUUID" in exc.message and (exc.attempts > 1 or note.resumed):
                return exc.attempts, 0.0
            if _rejected(exc) and exc.attempts == 1 and not note.resumed:
                paid.fail(may_have_billed=False, request_id=task["taskUUID"])
                note.close()  # Runware refused it: no task exists
            raise
        try:
            self._raise_task_errors(reply.data, task["taskUUID"])
        except TaskFailed:
            paid.fail(may_have_billed=False, request_id=task["taskUUID"])
            note.close()
            raise
        return reply.attempts, reply.duration_s

    async def _poll(
        self, http: ProviderHttp, task_uuid: str
    ) -> tuple[list[dict[str, Any]], int, int, float]:
        """Poll until every result is in; returns (videos, polls, HTTP attempts, seconds)."""
        started = time.monotonic()
        deadline = started + self.deadline_s
        interval = self.poll_initial_s
        videos: dict[str, dict[str, Any]] = {}
        polls = attempts = 0
        while True:
            await asyncio.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            reply = await http.request(
                "poll getResponse", "POST", "",
                json_body=[{"taskType": "getResponse", "taskUUID": task_uuid}],
            )
            polls, attempts = polls + 1, attempts + reply.attempts
            self._raise_task_errors(reply.data, task_uuid)
            pending = False
            for item in _data(reply.data):
                if item.get("taskUUID") != task_uuid:
                    continue
                status = str(item.get("status", "")).lower()
                if status in PENDING:
                    pending = True
                elif status == "success" and item.get("videoURL"):
                    videos.setdefault(str(item.get("videoUUID") or item["videoURL"]), item)
            if videos and not pending:
                return list(videos.values()), polls, attempts, time.monotonic() - started
            if time.monotonic() >= deadline:
                raise ProviderError(
                    f"the video was not ready after {self.deadline_s:.0f} s; the task is still"
                    " Runware's and a re-run polls it without paying again", provider=PROVIDER,
                    retryable=True, request_id=task_uuid,
                    hint="Runware is busy; try again later or raise REELFORGE_RUNWARE_DEADLINE_S",
                )
            interval = min(interval * 1.5, self.poll_max_s)

    @staticmethod
    def _raise_task_errors(body: Any, task_uuid: str) -> None:
        """A failure for our task, wherever Runware put it: inside ``data`` or in ``errors[]``."""
        failures = [e for e in (body.get("errors") or []) if isinstance(e, dict)
                    and e.get("taskUUID") in (task_uuid, None)] if isinstance(body, dict) else []
        failures += [item.get("error") or item for item in _data(body)
                     if item.get("taskUUID") == task_uuid and item.get("status") == "error"]
        if not failures:
            return
        failure = failures[0] if isinstance(failures[0], dict) else {}
        code = str(failure.get("code", "error"))
        message = str(failure.get("message", "the task failed"))
        retryable = code in ("timeoutProvider",) or "RateLimit" in code
        hint = ("the prompt was refused by the model's content policy; reword the scene"
                if "Policy" in code else "try again; if it keeps failing, try another model")
        raise TaskFailed(f"video generation failed: {code}: {message}", provider=PROVIDER,
                         retryable=retryable, request_id=task_uuid, hint=hint)


class TaskFailed(ProviderError):
    """Runware said the task failed (or does not exist): it is over, and paid for no more."""


def _rejected(exc: ProviderHttpError) -> bool:
    """Runware answered the submit with a refusal (4xx): the task was not created."""
    return exc.status is not None and 400 <= exc.status < 500


def _read_note(path: Path) -> TaskNote | None:
    """The note at ``path`` (an earlier attempt's task), or None when there is none."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        doc = json.loads(text) if text.startswith("{") else {"task_uuid": text}
        task_uuid = str(uuid.UUID(str(doc["task_uuid"])))
        call_id = doc.get("call_id")
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: treated as absent, and replaced by the next note
    return TaskNote(path, task_uuid, str(call_id) if call_id else None, resumed=True)


def _write_note(note: TaskNote) -> bool:
    """Write ``note`` unless another one is there already (atomic: a hard link of a whole file)."""
    assert note.path is not None
    note.path.parent.mkdir(parents=True, exist_ok=True)
    part = note.path.with_name(f"{note.path.name}.{uuid.uuid4().hex[:8]}.part")
    part.write_text(json.dumps({"task_uuid": note.task_uuid, "call_id": note.call_id}),
                    encoding="utf-8")
    try:
        if note.path.exists() and _read_note(note.path) is None:
            os.replace(part, note.path)  # an unreadable note is replaced
            return True
        os.link(part, note.path)
        return True
    except FileExistsError:
        return False
    finally:
        part.unlink(missing_ok=True)


def _data(body: Any) -> list[dict[str, Any]]:
    items = body.get("data") if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def probe_video(path: Path) -> tuple[int, int, float, float]:
    """(width, height, fps, seconds) of a video file, read with PyAV."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            else:
                duration = float(container.duration or 0) / 1e6
            return stream.codec_context.width, stream.codec_context.height, fps, duration
    except (av.FFmpegError, IndexError) as exc:
        raise ProviderError(f"the downloaded video cannot be read: {exc}", provider=PROVIDER,
                            hint="try again; report it if it persists") from None
