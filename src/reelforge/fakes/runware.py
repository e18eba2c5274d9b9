"""A faithful local Runware REST server: ``POST /v1`` task arrays, async video, ``getResponse``.

Auth by Bearer header or an ``authentication`` task; ``videoInference`` with
``deliveryMethod: "async"`` is acknowledged at once, then ``getResponse`` moves from
``processing`` to ``success`` after ``task_delay_s`` with cumulative items; errors come in
``errors[]`` (or, for a failed task, inside ``data``). A reused ``taskUUID`` is a
``conflictTaskUUID``. The video at ``videoURL`` is a real MP4 from the local renderer.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from reelforge.fakes import media
from reelforge.fakes.common import (
    DroppedResponse,
    FakeConfig,
    FakeState,
    add_admin_routes,
    http_fault,
    key_matches,
    service_fault,
)
from reelforge.settings import Settings

AIR_ID = re.compile(r"^[a-z0-9_-]+:\d+@\d+$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
USD_PER_VIDEO_SECOND = 0.07
MODELS: list[dict[str, Any]] = [
    {"air": air, "name": name, "category": "video", "version": air.split("@")[1], "tags": []}
    for air, name in (("klingai:5@3", "KlingAI 2.1 Master"), ("klingai:1@1", "KlingAI 1.0"),
                      ("minimax:1@1", "MiniMax Hailuo"), ("bytedance:2@1", "Seedance 1.0 Pro"))
]
DOCS = "https://runware.ai/docs/platform/errors"


@dataclass
class VideoTask:
    uuid: str
    params: dict[str, Any]
    submitted: float
    fault: str | None = None
    videos: list[dict[str, Any]] = field(default_factory=list)
    rendered: bool = False
    failed: str | None = None


def runware_error(code: str, message: str, *, task: dict[str, Any] | None = None,
                  parameter: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message, "documentation": DOCS}
    if parameter:
        item["parameter"] = parameter
    if task:
        item["taskType"] = task.get("taskType")
        item["taskUUID"] = task.get("taskUUID")
    return item


def _http_error_body(status: int, message: str) -> dict[str, Any]:
    code = {429: "rateLimitExceeded", 500: "internalServerError", 502: "badGateway",
            503: "serviceUnavailable", 504: "gatewayTimeout"}.get(status, "error")
    return {"errors": [runware_error(code, message)]}


def create_app(settings: Settings, config: FakeConfig | None = None) -> FastAPI:
    """The Runware fake as an ASGI app; its FakeState is ``app.state.fake``."""
    state = FakeState(config or FakeConfig.from_settings(settings))
    state.data["tasks"] = {}
    state.data["media"] = {}
    app = FastAPI(title="fake Runware", docs_url=None, redoc_url=None,
                  redirect_slashes=False)
    app.state.fake = state
    add_admin_routes(app, state, "runware")
    tasks: dict[str, VideoTask] = state.data["tasks"]
    files: dict[str, bytes] = state.data["media"]

    def check_video(task: dict[str, Any]) -> dict[str, Any] | None:
        """A validation error for this videoInference task, or None."""
        model = task.get("model")
        if not model:
            return runware_error("missingModel", "Missing 'model'.", task=task, parameter="model")
        if not isinstance(model, str) or not AIR_ID.match(model):
            return runware_error("invalidModel", f"Invalid model AIR identifier {model!r}.",
                                 task=task, parameter="model")
        prompt = str(task.get("positivePrompt", "")).strip()
        if not 2 <= len(prompt) <= 3000:
            return runware_error("invalidPositivePrompt", "positivePrompt must be 2-3000"
                                 " characters.", task=task, parameter="positivePrompt")
        for name in ("width", "height"):
            value = task.get(name)
            if value is not None and (not isinstance(value, int) or value % 8 or value < 128):
                return runware_error(f"invalid{name.title()}", f"{name} must be a multiple of 8"
                                     " and at least 128.", task=task, parameter=name)
        return None

    async def render(video_task: VideoTask, base_url: str) -> None:
        p = video_task.params
        width, height = int(p.get("width", 1280)), int(p.get("height", 720))
        duration, fps = float(p.get("duration", 5)), int(p.get("fps", 24))
        try:
            data = await asyncio.to_thread(media.video_mp4, p["positivePrompt"].strip(), width,
                                           height, duration, fps, settings)
        except Exception as exc:
            video_task.failed = f"render failed: {exc}"
            return
        for _ in range(int(p.get("numberResults", 1))):
            video_uuid = str(uuid.uuid4())
            files[video_uuid] = data
            video_task.videos.append({
                "taskType": "videoInference", "taskUUID": video_task.uuid, "status": "success",
                "videoUUID": video_uuid, "videoURL": f"{base_url}/media/{video_uuid}.mp4",
                "cost": round(USD_PER_VIDEO_SECOND * duration, 4) if p.get("includeCost") else None,
                "seed": p.get("seed", 1234),
            })
        video_task.rendered = True

    def poll(task: dict[str, Any], errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        video_task = tasks.get(str(task.get("taskUUID")))
        if video_task is None:
            errors.append(runware_error("taskFailedOrNotFound", "No task with this taskUUID.",
                                        task=task, parameter="taskUUID"))
            return []
        base = {"taskType": "videoInference", "taskUUID": video_task.uuid}
        ready = time.monotonic() - video_task.submitted >= state.config.task_delay_s
        if video_task.failed or (ready and video_task.fault == "task-error"):
            message = video_task.failed or "The provider failed to generate the video."
            return [{**base, "status": "error",
                     "error": {"code": "inferenceError", "message": message}}]
        if ready and video_task.fault == "task-error-top":
            errors.append(runware_error("inferenceError", "The provider failed to generate the"
                                        " video.", task=base))
            return []
        if not (ready and video_task.rendered):
            return [{**base, "status": "processing"}]
        return [{k: v for k, v in item.items() if v is not None} for item in video_task.videos]

    @app.post("/v1")
    async def tasks_endpoint(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None
        first = next((t for t in body if isinstance(t, dict) and
                      t.get("taskType") != "authentication"), {}) if isinstance(body, list) else {}
        route = f"POST /v1 {first.get('taskType', '')}".strip()
        if (fault := await http_fault(state, route, request, _http_error_body)) is not None:
            return fault
        state.remember(route, body)
        if not isinstance(body, list):
            return JSONResponse({"errors": [runware_error(
                "invalidPayload", "The request body must be a JSON array of tasks.")]},
                status_code=400)
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else None
        auth = next((t for t in body if isinstance(t, dict)
                     and t.get("taskType") == "authentication"), None)
        if not key_matches(state, key or (auth or {}).get("apiKey")):
            return JSONResponse({"errors": [runware_error(
                "invalidApiKey", "Invalid API key. Get one at https://my.runware.ai",
                task={"taskType": "authentication"}, parameter="apiKey")]}, status_code=401)
        dry_run = request.headers.get("x-runware-dry-run") == "1"
        data: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for task in body:
            if not isinstance(task, dict) or task.get("taskType") == "authentication":
                continue
            kind, task_uuid = task.get("taskType"), task.get("taskUUID")
            if not task_uuid or not UUID_RE.match(str(task_uuid)):
                errors.append(runware_error("invalidTaskUUID" if task_uuid else "missingTaskUUID",
                                            "taskUUID must be a UUIDv4.", task=task,
                                            parameter="taskUUID"))
            elif kind == "ping":
                data.append({"taskType": "ping", "pong": True})
            elif kind == "modelSearch":
                query = str(task.get("search", "")).lower()
                found = [m for m in MODELS
                         if query in str(m["air"]) or query in str(m["name"]).lower()]
                limit = int(task.get("limit", 20))
                data.append({"taskType": kind, "taskUUID": task_uuid, "totalResults": len(found),
                             "results": found[int(task.get("offset", 0)):][:limit]})
            elif kind == "getResponse":
                data += poll(task, errors)
            elif kind == "videoInference":
                if (problem := check_video(task)) is not None:
                    errors.append(problem)
                elif task_uuid in tasks:
                    errors.append(runware_error("conflictTaskUUID", "This taskUUID was already"
                                                " used.", task=task, parameter="taskUUID"))
                elif dry_run:
                    data.append({"taskType": kind, "taskUUID": task_uuid, "cost": round(
                        USD_PER_VIDEO_SECOND * float(task.get("duration", 5)), 4)})
                else:
                    task_fault = service_fault(request)
                    video_task = VideoTask(task_uuid, task, time.monotonic(), fault=(
                        task_fault if task_fault != "drop-after" else None))
                    tasks[task_uuid] = video_task
                    state.pay("videoInference")
                    base_url = str(request.base_url).rstrip("/")
                    job = asyncio.create_task(render(video_task, base_url))
                    if task.get("deliveryMethod") == "async":
                        state.data.setdefault("jobs", set()).add(job)
                        job.add_done_callback(state.data["jobs"].discard)
                        data.append({"taskType": kind, "taskUUID": task_uuid})
                    else:
                        await job
                        data += poll({"taskUUID": task_uuid}, errors)
            else:
                errors.append(runware_error("unsupportedTaskType", f"Unsupported taskType"
                                            f" {kind!r}.", task=task, parameter="taskType"))
        invalid = any(e["code"].startswith(("invalid", "missing", "unsupported", "conflict"))
                      for e in errors)
        status = 400 if invalid and not data else 200
        out: dict[str, Any] = {"data": data}
        if errors:
            out["errors"] = errors
        if service_fault(request) == "drop-after":  # done, but the reply never arrives
            return DroppedResponse()
        return JSONResponse(out, status_code=status)

    @app.get("/media/{name}")
    async def media_file(name: str, request: Request) -> Response:
        if (fault := await http_fault(state, "GET /media", request, _http_error_body)) is not None:
            return fault
        data = files.get(name.removesuffix(".mp4"))
        if data is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        if service_fault(request) == "truncate":
            return DroppedResponse(data[: len(data) // 2], declared=len(data),
                                   media_type="video/mp4")
        return Response(data, media_type="video/mp4")

    return app
