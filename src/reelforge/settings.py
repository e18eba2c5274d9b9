"""Every setting of reelforge, in one pydantic-settings class.

Values come from (highest first) explicit arguments, ``REELFORGE_*`` environment variables, a
``.env`` file, then the defaults here. Provider keys also accept the vendors' standard variable
names (``OPENAI_API_KEY``, ``HUME_API_KEY``, ...). Secrets are ``SecretStr`` so they never print.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reelforge"


def _alias(name: str, *vendor_names: str) -> AliasChoices:
    return AliasChoices(f"REELFORGE_{name.upper()}", *vendor_names)


class Settings(BaseSettings):
    """Configuration shared by the CLI, the API server and the workers."""

    model_config = SettingsConfigDict(
        env_prefix="REELFORGE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- where things live -------------------------------------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir, description="Cache, database, index.")
    out_dir: Path = Field(default=Path("out"), description="Default folder for finished jobs.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in data_dir."
    )
    queue_url: str | None = Field(
        default=None, description="redis://... for a fleet; default is Huey on SQLite in data_dir."
    )
    artifact_url: str | None = Field(
        default=None, description="fsspec URL (s3://bucket/prefix); default is data_dir/artifacts."
    )

    # --- engines -----------------------------------------------------------------------------
    script_engine: Literal["auto", "template", "openai"] = "auto"
    voice_engine: Literal["auto", "piper", "espeak", "hume", "openai"] = "auto"
    video_engine: Literal["auto", "local", "runware"] = "auto"
    music_engine: Literal["auto", "builtin", "catalog", "library", "composed"] = "auto"

    # --- remote providers (keys also read from the vendors' standard variables) ----------------
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_alias("openai_api_key", "OPENAI_API_KEY")
    )
    openai_base_url: str = Field(
        default="https://api.openai.com/v1",
        validation_alias=_alias("openai_base_url", "OPENAI_BASE_URL"),
    )
    openai_model: str = "gpt-4o-mini"
    openai_speech_model: str = "gpt-4o-mini-tts"
    openai_speech_voice: str = "coral"
    vision_model: str = Field(
        default="", description="A vision-capable chat model (gpt-4o-mini, a local llava...) "
        "that captions each footage keyframe in one sentence when footage is indexed; empty: "
        "no captions, no paid call. Uses OPENAI_API_KEY and OPENAI_BASE_URL.")
    hume_api_key: SecretStr | None = Field(
        default=None, validation_alias=_alias("hume_api_key", "HUME_API_KEY")
    )
    hume_base_url: str = "https://api.hume.ai"
    runware_api_key: SecretStr | None = Field(
        default=None, validation_alias=_alias("runware_api_key", "RUNWARE_API_KEY")
    )
    runware_base_url: str = "https://api.runware.ai/v1"
    runware_model: str = "klingai:5@3"
    spotify_client_id: str | None = Field(
        default=None, validation_alias=_alias("spotify_client_id", "SPOTIFY_CLIENT_ID")
    )
    spotify_client_secret: SecretStr | None = Field(
        default=None, validation_alias=_alias("spotify_client_secret", "SPOTIFY_CLIENT_SECRET")
    )
    spotify_api_url: str = "https://api.spotify.com/v1"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    http_timeout_s: float = 60.0
    http_max_retries: int = 3

    # --- remote provider tuning (providers/http.py, the remote clients and reelforge.fakes) -----
    http_connect_timeout_s: float = 5.0
    http_read_timeout_s: float = 30.0
    http_generation_timeout_s: float = Field(
        default=300.0,
        description="Read and overall timeout of a paid generation call (TTS, chat), which is"
        " never sent twice once it may have reached the provider.",
    )
    http_backoff_initial_s: float = 0.5
    http_backoff_max_s: float = 8.0
    http_retry_after_cap_s: float = Field(
        default=120.0, description="A Retry-After longer than this is not waited for (no retry)."
    )
    hume_voice_provider: Literal["HUME_AI", "CUSTOM_VOICE"] = "HUME_AI"
    hume_octave_version: Literal["1", "2"] | None = None
    hume_usd_per_1k_chars: float = Field(
        default=0.20, description="Hume bills per character; set your plan's price (estimate)."
    )
    openai_speech_speed: float = Field(default=1.0, ge=0.25, le=4.0)
    runware_resolution: int = Field(default=720, description="Short side of generated clips.")
    runware_fps: int = 24
    runware_durations: list[float] = Field(
        default=[5.0, 10.0], description="Clip lengths the Runware model accepts, in seconds."
    )
    runware_poll_initial_s: float = 1.0
    runware_poll_max_s: float = 10.0
    runware_deadline_s: float = 900.0
    runware_max_download_mb: float = 500.0
    spotify_search_max_limit: int = Field(
        default=10, description="Search page size; 10 is the 2026 dev-mode maximum."
    )
    fake_task_delay_s: float = Field(default=1.0, description="Fake Runware processing time.")
    fake_retry_after_s: float = 1.0
    fake_slow_response_s: float = 5.0
    fake_audio_features_status: int = 403
    fake_faults: str = Field(
        default="", description="Planned faults: 'hume:POST /v0/tts=429x2;runware:GET /media=drop'."
    )

    # --- media tools and rendering ----------------------------------------------------------
    ffmpeg_binary: Path | None = Field(
        default=None, description="FFmpeg to run; default is the one imageio-ffmpeg ships."
    )
    font_file: Path | None = Field(
        default=None, description="TTF/OTF font for titles and subtitles; default Noto Sans."
    )
    fps: int = 30
    x264_preset: str = "veryfast"
    x264_crf: int = 21
    target_lufs: float = -14.0
    concurrency: int = Field(default=2, ge=1, description="Scene steps run at the same time.")

    # --- logs --------------------------------------------------------------------------------
    log_format: Literal["auto", "pretty", "json"] = "auto"
    log_level: str = "WARNING"

    # --- platform (reelforge serve / worker: jobs, queue, API limits) -------------------------
    job_lease_s: float = 30.0  # a running job's lease; its worker renews it (heartbeat)
    job_heartbeat_s: float = 5.0  # how often a worker renews its leases
    job_sweep_interval_s: float = 10.0  # how often a worker re-queues jobs whose lease expired
    job_enqueue_grace_s: float = 30.0  # a queued job never sent after this is sent by the sweep
    job_resend_after_s: float = 900.0  # a queued job still waiting after this is sent again
    job_max_attempts: int = Field(default=3, ge=1)  # tries per job on retryable provider errors
    job_retry_backoff_s: float = 10.0  # first retry delay; doubles per attempt
    jobs_dir: Path | None = None  # workers' scratch folder; default data_dir/jobs
    worker_threads: int = Field(default=1, ge=1)  # jobs one `reelforge worker` runs at once
    serve_host: str = "127.0.0.1"
    serve_port: int = 8000
    serve_workers: int = Field(default=1, ge=1)  # uvicorn worker processes
    rate_per_minute: float = 600.0  # default requests per minute per API key
    rate_burst: int = Field(default=60, ge=1)  # requests a key may make at once
    rate_limit_url: str | None = None  # redis://... shared buckets; default the queue's Redis
    quota_jobs_per_day: int = 500  # default jobs per tenant per day
    quota_storage_mb: float = 10_000.0  # default stored MB per tenant
    budget_usd_per_day: float = 50.0  # default provider spend per tenant per day
    upload_max_mb: float = 500.0  # largest library upload
    library_roots: list[Path] = Field(default=[])  # server folders admins may register from
    queue_name: str = "reelforge"  # Huey queue name (lets several deployments share one Redis)

    # --- web studio (reelforge serve at /: sign-in cookie, voice samples) ---------------------
    studio_cookie_secure: bool = False  # send the sign-in cookie over HTTPS only (set behind TLS)
    studio_session_hours: float = Field(default=12.0, gt=0)  # how long a sign-in lasts
    studio_samples: bool = True  # synthesise short voice samples on the create page (offline)

    # --- security (issue 9; docs/security.md) ---------------------------------------------------
    master_key: SecretStr | None = None  # base64 of 32 bytes; wraps every tenant's data key
    master_key_file: Path | None = None  # or a file holding that base64 text (mode 0600)
    ssrf_allow_private: bool = False  # let provider result URLs reach loopback/private hosts
    csrf_protect: bool = True  # studio form posts need the rf_csrf double-submit token
    security_headers: bool = True  # CSP, frame-ancestors none, nosniff, referrer policy
    tls_cert: Path | None = None  # reelforge serve --tls-cert; HSTS is sent when TLS is on
    tls_key: Path | None = None
    provider_ca_bundle: Path | None = None  # extra CA bundle for provider HTTPS (verify stays on)
    upload_sniff: bool = True  # library uploads must be what their name says, by content
    key_rotation_overlap_h: float = Field(default=24.0, ge=0)  # old key valid after `keys rotate`
    artifact_s3_sse: Literal["AES256", "aws:kms"] | None = None  # S3 server-side encryption
    artifact_s3_kms_key_id: str | None = None  # the KMS key for aws:kms (default: the bucket's)
    # music: below this cosine the best searched song is a weak match and "auto" composes instead
    music_compose_below: float = Field(default=0.35, ge=0, le=1)
    # the tenant a job or request runs for: its uploaded songs join the shared ones in the song
    # search (set per job by the worker and per request by the API; None: the shared songs only)
    songs_tenant_id: int | None = None
    soundfont_file: Path | None = None  # the composer's GM soundfont (default: Debian's FluidR3)
    # footage (make --footage): below this cosine a scene's best shot is a weak match and the
    # video engine draws the scene instead
    footage_min_score: float = Field(default=0.3, ge=-1, le=1)

    # --- step cache (docs/scaling.md "The step cache") ------------------------------------------
    cache_max_gb: float = Field(default=20.0, gt=0)  # step cache bound; least recently used go
    # --- Redis clients (queue, rate limits; issue 15) -------------------------------------------
    redis_connect_timeout_s: float = Field(default=2.0, gt=0)  # a Redis that does not accept
    redis_timeout_s: float = Field(default=5.0, gt=1)  # a reply; a hung Redis fails fast (503)

    @property
    def cache_dir(self) -> Path:
        """Step cache: finished step outputs, keyed by (step, engine, version, inputs)."""
        return self.data_dir / "cache"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'reelforge.db'}"

    def child_environment(self) -> dict[str, str]:
        """This process's environment with REELFORGE_* replaced by these settings, so a child
        process (a worker, a server) rebuilds exactly them."""
        import json

        env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, (list, dict)):
                value = json.dumps(value, default=str)
            env[f"REELFORGE_{name.upper()}"] = str(value)
        return env
