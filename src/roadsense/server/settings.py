"""All server configuration, typed and in one place (environment variables ``ROADSENSE_*``).

The server's settings are the city's (:class:`roadsense.city.CitySettings`: time zone,
locale, the hotspot ranking's thresholds) plus how the server runs.

Outside ``development`` the server refuses to start with a default or weak secret, and
with settings that only make sense on a developer's machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from roadsense.city import CitySettings

DEV_PSEUDONYM_KEY = "development-only-pseudonym-key"
MIN_SECRET_LENGTH = 32
"""Characters a production secret needs at least (``openssl rand -base64 32`` gives 44)."""


class Settings(CitySettings):
    """The city's settings and how the server runs. Every field can be set as
    ``ROADSENSE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ROADSENSE_", extra="forbid")

    environment: Literal["development", "production"] = "development"
    store: str = "var/roadsense.duckdb"
    """Where the data lives: a DuckDB file path, or ``postgresql://user:pw@host:port/db``."""
    roads: Path | None = None
    """OSM extract drawn on the map; None means the bundled Helsinki centre extract."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    """Server processes (PostgreSQL only: a DuckDB file is held by one process)."""
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """Uploads larger than this are refused with 413."""
    queue_capacity: int = Field(default=1024, ge=1, le=1_000_000)
    """Uploads waiting to be written, per process, before new ones get 429."""
    max_inflight_uploads: int = Field(default=1024, ge=1, le=100_000)
    """Uploads being received, checked or written at once, per process, before new ones
    get 429 (sheds load when the CPU, not the store, is the bottleneck)."""
    max_uploads_per_device: int = Field(default=4, ge=1, le=1_000)
    """Of those, how many one device may hold at once; its next one gets 429, so one
    device (or one stolen token) cannot take every slot."""
    body_timeout_s: float = Field(default=30.0, gt=0.0, le=600.0)
    """How long an upload's body may take to arrive; a slower one is answered 408 and its
    connection closed, freeing its slot."""
    keep_alive_s: int = Field(default=5, ge=1, le=300)
    """How long an idle connection is kept open between requests."""
    max_connections: int | None = Field(default=None, ge=1)
    """Connections and requests handled at once per process before new ones get 503
    (uvicorn's ``limit_concurrency``); None: no limit beyond the upload slots."""
    upload_max_ahead_s: float = Field(default=300.0, ge=0.0, le=86_400.0)
    """How far past the server's clock a record's time (or a batch's ``sent_at``) may lie;
    later ones are refused with 422 (a gateway's clock drifts; a year 9999 does not)."""
    upload_max_age_days: float = Field(default=3650.0, gt=0.0, le=36_500.0)
    """How far before the server's clock a record's time may lie; older ones are refused
    with 422. Set it to what a gateway's outbox can hold back (plus a margin)."""
    pseudonym_key: str = DEV_PSEUDONYM_KEY
    """Secret that turns vehicle and driver ids into the pseudonyms analysts see."""
    retention_days: float = Field(default=90.0, gt=0.0)
    """Raw positions older than this are pruned (their hourly aggregates are kept)."""
    prune_every_s: float = Field(default=0.0, ge=0.0)
    """Prune on a schedule while serving, this often (0: only ``roadsense store prune``)."""
    credential_cache_s: float = Field(default=10.0, ge=0.0, le=300.0)
    """How long a checked token is trusted without asking the store (revocation delay)."""
    session_hours: float = Field(default=12.0, gt=0.0, le=24.0 * 30)
    """How long a dashboard sign-in lasts."""
    signin_failures_per_account: int = Field(default=5, ge=1, le=1_000)
    """Failed sign-ins of one account within ``signin_window_s`` before its next ones get
    429 with Retry-After."""
    signin_failures_per_address: int = Field(default=20, ge=1, le=100_000)
    """The same per client address (whatever accounts it tries)."""
    signin_window_s: float = Field(default=60.0, gt=0.0, le=86_400.0)
    """The sliding window the two limits above count in."""
    signin_lockout_after: int = Field(default=50, ge=1, le=100_000)
    """Refused sign-ins of one account in a row (throttled ones included) after which it
    is locked until an admin unlocks it (``roadsense admin unlock-user``)."""
    cookie_secure: bool = False
    """Send the session cookie over HTTPS only (set it behind a TLS reverse proxy)."""
    dashboard_aggregates: Literal["scan", "stored"] = "scan"
    """Where the dashboard's cube comes from: ``scan``, the store's own scan of positions
    (``Store.hourly_aggregates``); ``stored``, the hourly aggregates the latest analysis
    run kept (``roadsense analyze --engine spark`` computes them on Spark from the lake),
    with the scan while no run has kept any."""
    log_format: Literal["json", "text"] = "json"
    access_log: bool = True
    """One structured log line per request."""

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.environment == "development":
            return self
        if self.pseudonym_key == DEV_PSEUDONYM_KEY:
            raise ValueError("ROADSENSE_PSEUDONYM_KEY must be set to a secret outside development")
        if len(self.pseudonym_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"ROADSENSE_PSEUDONYM_KEY must be at least {MIN_SECRET_LENGTH} characters "
                "outside development (e.g. `openssl rand -base64 32`)"
            )
        if not self.cookie_secure:
            raise ValueError(
                "ROADSENSE_COOKIE_SECURE must be true outside development "
                "(serve behind a TLS reverse proxy)"
            )
        return self

    @model_validator(mode="after")
    def _one_process_per_duckdb_file(self) -> Settings:
        if self.workers > 1 and not self.store.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "several workers need a PostgreSQL store; a DuckDB file is held by one process"
            )
        return self
