"""/v1/library: upload or register media, list it, read its analysis, see clusters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from reelforge.errors import InputError
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import (
    ClusterOut,
    ClustersOut,
    ItemId,
    LibraryItemOut,
    RegisterIn,
    UploadOut,
    UploadsOut,
    utc,
)
from reelforge.services import library as library_service
from reelforge.store.library import LibraryItem, get_item, list_items
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/library", tags=["library"])
Reader = Annotated[Principal, Depends(allowed("library:read"))]


def item_out(item: LibraryItem, *, duplicate: bool = False) -> LibraryItemOut:
    return LibraryItemOut(id=item.id, kind=item.kind, name=item.name, size=item.size,
                          content_type=item.content_type, state=item.state,
                          analysis_job=item.analysis_job, error=item.error,
                          created_at=utc(item.created_at),  # type: ignore[arg-type]
                          duplicate=duplicate)


@router.post("/items", status_code=202, response_model=LibraryItemOut | UploadsOut,
             responses=error_responses(400, 401, 403, 413, 422, 429))
def upload(request: Request,
           file: Annotated[list[UploadFile], File(description="A video, picture or song; "
                                                  "repeat the field to send several")],
           who: Annotated[Principal, Depends(allowed("library:write"))],
           platform: PlatformDep) -> LibraryItemOut | UploadsOut:
    """Upload a file (size and type limits apply); its analysis, and for a video or picture
    its indexing into the footage library, are queued as jobs. The same bytes again (any name)
    answer the existing item with ``duplicate: true``. Several ``file`` parts: each is added,
    a duplicate or refused on its own, answered as ``uploads`` in the order sent."""
    if len(file) == 1:
        declared = request.headers.get("content-length")
        added = library_service.upload(platform, who, file[0].filename or "", file[0].file,
                                       declared_size=int(declared) if declared and
                                       declared.isdigit() else None)
        return item_out(added.item, duplicate=added.duplicate)
    outcomes = library_service.upload_each(platform, who,
                                           [(f.filename or "", f.file) for f in file])
    if all(o.item is None for o in outcomes):  # nothing was added: the request failed
        first = outcomes[0]
        message = str((first.error or {}).get("error", {}).get("message", "refused"))
        raise InputError(f"none of the {len(outcomes)} files could be added; the first, "
                         f"{first.name[:80]!r}: {message}",
                         hint="upload videos, pictures or songs; each file's reason is the "
                         "same as when it is sent alone")
    return UploadsOut(uploads=[
        UploadOut(name=o.name, status=o.status,  # type: ignore[arg-type]
                  item=item_out(o.item, duplicate=o.duplicate) if o.item else None,
                  error=o.error) for o in outcomes])


@router.post("/register", status_code=202, response_model=LibraryItemOut,
             responses=error_responses(400, 401, 403, 404, 422, 429))
def register(body: RegisterIn, who: Annotated[Principal, Depends(allowed("library:register"))],
             platform: PlatformDep) -> LibraryItemOut:
    """Register a file already on the server, under one of its library roots (admin)."""
    added = library_service.register(platform, who, Path(body.path))
    return item_out(added.item, duplicate=added.duplicate)


@router.get("/items", response_model=list[LibraryItemOut],
            responses=error_responses(401, 403, 422, 429))
def items(who: Reader, platform: PlatformDep,
          kind: Annotated[Literal["video", "image", "audio"] | None, Query()] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[LibraryItemOut]:
    with platform.db.session() as session:
        return [item_out(i) for i in list_items(session, who.tenant_id, kind=kind, limit=limit,
                                                 offset=offset)]


@router.get("/items/{item_id}", response_model=LibraryItemOut,
            responses=error_responses(401, 403, 404, 422, 429))
def item(item_id: ItemId, who: Reader, platform: PlatformDep) -> LibraryItemOut:
    with platform.db.session() as session:
        return item_out(get_item(session, who.tenant_id, item_id))


@router.delete("/items/{item_id}", status_code=204,
               responses=error_responses(401, 403, 404, 422, 429))
def delete_item(item_id: ItemId, who: Annotated[Principal, Depends(allowed("library:write"))],
                platform: PlatformDep) -> Response:
    """Delete an item: its row, its stored file and, for a video or picture, its shots in the
    tenant's footage library, so neither the footage search nor ``footage: "library"`` finds
    it again."""
    library_service.delete(platform, who.tenant_id, item_id)
    return Response(status_code=204)


@router.get("/items/{item_id}/analysis", response_model=dict[str, Any],
            responses=error_responses(401, 403, 404, 422, 429))
def analysis(item_id: ItemId, who: Reader, platform: PlatformDep) -> dict[str, Any]:
    """The item's analysis document (video: docs/schemas/video-analysis.v1.json)."""
    from reelforge.errors import NotFound

    with platform.db.session() as session:
        found = get_item(session, who.tenant_id, item_id)
        if found.analysis is None:
            raise NotFound(f"item {item_id!r} has no analysis yet (state {found.state})",
                           hint=found.error or "wait for its analysis job to finish")
        return found.analysis


@router.get("/clusters", response_model=ClustersOut, responses=error_responses(401, 403, 429))
def clusters(who: Reader, platform: PlatformDep) -> ClustersOut:
    """Pictures and video shots grouped by look (colour, tone, texture)."""
    found = library_service.clusters(platform, who.tenant_id)
    return ClustersOut(clusters=[ClusterOut(cluster=k, items=v, size=len(v))
                                 for k, v in found.groups.items()],
                       unclustered=found.unclustered, method=found.method)
