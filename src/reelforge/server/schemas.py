"""Response and request bodies of the API (requests for a video reuse ``domain.Brief``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from reelforge.domain import Brief, JobSpec
from reelforge.json_numbers import JsonInt, JsonNumber, json_number
from reelforge.store.jobs import Job

BRIEF_EXAMPLE: dict[str, Any] = {
    "prompt": "Why octopuses are smarter than you think", "duration_s": 30, "aspect": "9:16",
    "voice": "joe", "emotion": "curious", "intensity": 0.6}


#: Ids the server makes (jobs, batches, library items) are UUIDs; anything else is refused here,
#: at the edge, so odd bytes (a NUL was a 500 on PostgreSQL) never reach the database.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: A key's public prefix: 8 lowercase hex digits (``rf_<prefix>_…``).
KEY_PREFIX_PATTERN = r"^[0-9a-f]{8}$"
#: Free text we store (names, labels): any characters but control characters.
PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

JobId = Annotated[str, Path(pattern=UUID_PATTERN, description="A job's id (a UUID)",
                            examples=["0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"])]
BatchId = Annotated[str, Path(pattern=UUID_PATTERN, description="A batch's id (a UUID)")]
ItemId = Annotated[str, Path(pattern=UUID_PATTERN, description="A library item's id (a UUID)")]
KeyPrefix = Annotated[str, Path(pattern=KEY_PREFIX_PATTERN, description="A key's prefix",
                                examples=["1dbc33f2"])]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class JobOut(Out):
    """A job as the API shows it."""

    id: str = Field(examples=["0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"])
    kind: str = Field(examples=["make"])
    state: str = Field(examples=["running"], description="queued, running, succeeded, failed "
                       "or canceled")
    step: str | None = Field(default=None, examples=["visualize scene-02"])
    progress: float = Field(examples=[0.45])
    brief: dict[str, Any] = Field(examples=[BRIEF_EXAMPLE])
    batch_id: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    cancel_requested: bool = False
    error: dict[str, Any] | None = Field(default=None, examples=[None])
    result: dict[str, Any] | None = Field(default=None, examples=[{
        "title": "Octopuses", "duration_s": 29.8, "cost_usd": 0.0,
        "artifacts": ["final.mp4", "captions.srt", "thumbnail.jpg", "plan.json",
                      "manifest.json"]}])
    cost_usd: float = 0.0
    estimated_cost_usd: float = 0.0

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(id=job.id, kind=job.kind, state=job.state, step=job.step,
                   progress=job.progress,
                   brief=JobSpec.of_row(job).summary(),
                   batch_id=job.batch_id,
                   created_at=utc(job.created_at), started_at=utc(job.started_at),  # type: ignore[arg-type]
                   finished_at=utc(job.finished_at), attempts=job.attempts,
                   cancel_requested=job.cancel_requested, error=job.error, result=job.result,
                   cost_usd=job.cost_usd, estimated_cost_usd=job.estimated_cost_usd)


class JobList(Out):
    jobs: list[JobOut]
    limit: int
    offset: int


class EstimateOut(Out):
    cost_usd: float = Field(examples=[1.84])
    by_provider: dict[str, float] = Field(examples=[{"runware": 1.8, "openai": 0.04}])
    scenes: int = Field(examples=[5])
    engines: dict[str, str] = Field(examples=[{"script": "openai", "voice": "piper",
                                               "video": "runware", "music": "builtin"}])
    #: With footage: the least it can cost (every scene shows your footage); else cost_usd.
    min_cost_usd: float = Field(default=0.0, examples=[0.04])
    note: str = Field(default="", description="What a range between min_cost_usd and cost_usd "
                                              "means, in words")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"briefs": [BRIEF_EXAMPLE, {**BRIEF_EXAMPLE, "prompt": "Why cats purr"}]}]})

    briefs: list[Brief] = Field(min_length=1, max_length=100)


class BatchItem(Out):
    index: int
    job_id: str
    state: str
    error: dict[str, Any] | None = None
    artifacts: list[str] = Field(default_factory=list)


class BatchOut(Out):
    """A batch and its per-brief report."""

    batch_id: str
    total: int
    counts: dict[str, int] = Field(examples=[{"succeeded": 2, "running": 1}])
    items: list[BatchItem]


class ArtifactOut(Out):
    name: str = Field(examples=["final.mp4"])
    size: int
    content_type: str = Field(examples=["video/mp4"])
    url: str = Field(examples=["/v1/jobs/0b8e…/artifacts/final.mp4"])


class VoiceOut(Out):
    id: str = Field(examples=["joe"])
    name: str
    language: str
    accent: str
    gender: str
    engine: str


class ProviderOut(Out):
    capability: str = Field(examples=["video"])
    engine: str = Field(examples=["runware"])
    kind: str = Field(examples=["remote"])
    configured: bool
    selected: bool
    base_url: str = ""


class SongSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "calm piano, hopeful", "limit": 5}]})

    query: str = Field(min_length=1, max_length=500)
    limit: JsonInt = Field(default=10, ge=1, le=50)
    moods: list[str] = Field(default_factory=list, max_length=10)
    min_duration_s: JsonNumber = Field(default=0.0, ge=0.0, le=36000.0)


class SongHitOut(Out):
    id: str = Field(examples=["builtin:calm/morning.opus"])
    title: str
    artist: str
    score: float
    duration_s: float
    tags: list[str]
    licence: str
    reason: str


class LibraryItemOut(Out):
    id: str
    kind: str = Field(examples=["video"])
    name: str = Field(examples=["beach.mp4"])
    size: int
    content_type: str
    state: str = Field(examples=["analyzed"], description="pending, analyzed or failed")
    analysis_job: str | None = None
    error: str | None = None
    created_at: datetime
    duplicate: bool = Field(default=False, description="true when these bytes were already in "
                            "the library: this is that item, nothing new was stored")


class UploadOut(Out):
    """One file of a multi-file upload."""

    name: str = Field(examples=["beach.mp4"])
    status: Literal["added", "duplicate", "refused"]
    item: LibraryItemOut | None = None
    error: dict[str, Any] | None = Field(default=None, description="why it was refused: the "
                                         "same body as a single upload's error")


class UploadsOut(Out):
    """Each file of a multi-file upload, in the order sent."""

    uploads: list[UploadOut]


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"path": "/srv/media/beach.mp4"}]})

    path: str = Field(min_length=1, max_length=4096)


class ClusterOut(Out):
    cluster: int
    items: list[str]
    size: int


class ClustersOut(Out):
    clusters: list[ClusterOut]
    unclustered: list[str]
    method: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"role": "viewer", "name": "dashboard"}]})

    role: str = Field(pattern="^(admin|editor|viewer)$")
    name: str = Field(default="", max_length=128, pattern=PLAIN_TEXT_PATTERN)
    rate_per_minute: Annotated[float, Field(gt=0, le=1_000_000),
                               BeforeValidator(json_number)] | None = Field(
        default=None,
        description="Requests a minute; at most the calling key's own rate (default: the "
                    "caller's rate when it is below the server's, else the server's)")


class KeyOut(Out):
    prefix: str = Field(examples=["1dbc33f2"])
    role: str
    name: str
    created_at: datetime
    revoked: bool


class KeyCreated(Out):
    key: str = Field(description="Shown once; only its hash is stored.",
                     examples=["rf_1dbc33f2_…"])
    prefix: str
    role: str
    tenant: str


class UsageOut(Out):
    tenant: str
    since: datetime
    jobs: dict[str, int]
    minutes_rendered: float
    cost_by_provider: dict[str, float] = Field(description="Confirmed spend per provider.")
    cost_usd: float = Field(description="Confirmed spend.")
    may_have_been_billed_by_provider: dict[str, float] = Field(
        default_factory=dict, description="Estimates of calls whose billing is unknown (sent and"
        " never settled, or failed after they may have reached the provider).")
    may_have_been_billed_usd: float = 0.0
    paid_calls: dict[str, int] = Field(
        default_factory=dict, description="Paid calls by outcome: confirmed, failed,"
        " 'may have been billed'.")


class AuditOut(Out):
    at: datetime
    actor: str
    action: str
    target: str
    source: str
    status: int


class Health(Out):
    status: str = Field(examples=["ok"])
    checks: dict[str, str] = Field(default_factory=dict,
                                   examples=[{"database": "ok", "queue": "ok", "storage": "ok"}])
