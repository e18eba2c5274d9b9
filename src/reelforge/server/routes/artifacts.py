"""Job artifacts: list them, and download one with HTTP range requests (video scrubbing)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response, StreamingResponse

from reelforge.security.names import ARTIFACT_NAME, check_artifact_name
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import ArtifactOut, JobId
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import job_artifact, job_artifacts
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/jobs", tags=["artifacts"])
Reader = Annotated[Principal, Depends(allowed("jobs:read"))]
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a single-range header; None for "whole file";
    raises ValueError when the range cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # malformed or multi-range: RFC 9110 lets us send the whole file
    first, last = match.group(1), match.group(2)
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise ValueError("empty suffix range")
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError("range outside the file")
    return start, end


@router.get("/{job_id}/artifacts", response_model=list[ArtifactOut],
            responses=error_responses(401, 403, 404, 422, 429))
def list_artifacts(job_id: JobId, who: Reader, platform: PlatformDep) -> list[ArtifactOut]:
    with platform.db.session() as session:
        job_rows.get_job(session, who.tenant_id, job_id)
        return [ArtifactOut(name=a.name, size=a.size, content_type=a.content_type,
                            url=f"/v1/jobs/{job_id}/artifacts/{a.name}")
                for a in job_artifacts(session, who.tenant_id, job_id)]


@router.get("/{job_id}/artifacts/{name}", response_class=Response, responses={
    200: {"content": {"video/mp4": {}, "application/octet-stream": {}},
          "description": "The whole file"},
    206: {"description": "Part of the file (Range: bytes=START-END)"},
    **error_responses(400, 401, 403, 404, 416, 422, 429)})
def get_artifact(job_id: JobId, who: Reader, platform: PlatformDep,
                 name: Annotated[str, Path(max_length=128, pattern=ARTIFACT_NAME.pattern,
                                           description="e.g. final.mp4")],
                 range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    """Download an artifact; ``Range: bytes=…`` answers 206 with just those bytes."""
    check_artifact_name(name)  # plain file names only (security: no traversal, no header tricks)
    with platform.db.session() as session:
        artifact = job_artifact(session, who.tenant_id, job_id, name)
        path, size, content_type = artifact.path, artifact.size, artifact.content_type
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": f'inline; filename="{name}"'}
    try:
        span = parse_range(range_header, size)
    except ValueError:
        from reelforge.server.errors import error_response

        return error_response(416, "range_not_satisfiable",
                              f"the range {range_header!r} is outside the file ({size} bytes)",
                              {"size": size}, headers={"Content-Range": f"bytes */{size}"})
    if span is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = span, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(max(0, end - start + 1))
    body = platform.artifacts.read_range(path, start, end) if size else iter([b""])
    return StreamingResponse(body, status_code=status, media_type=content_type, headers=headers)
