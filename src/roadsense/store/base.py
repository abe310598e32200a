"""The repository interface every storage backend implements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from roadsense.schema import Batch

FINE_H3_RESOLUTION = 12
"""Resolution of the H3 cell the store keeps with every position and event (about 9 m)."""


class StoreError(RuntimeError):
    """The store cannot do what was asked (bad location, locked file, newer schema ...)."""


@dataclass(frozen=True)
class IngestResult:
    """What happened to one uploaded batch."""

    batch_id: uuid.UUID
    status: Literal["stored", "duplicate"]
    counts: dict[str, int] = field(default_factory=dict)
    """Records stored, by kind; events already stored under the same id are not counted."""


@dataclass(frozen=True)
class Device:
    """A provisioned gateway."""

    device_id: str
    vehicle_id: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class CellExposure:
    """Exposure in one H3 cell."""

    cell: int
    vehicle_km: float
    vehicles: int


@dataclass(frozen=True)
class CellEvents:
    """Event count in one H3 cell."""

    cell: int
    events: int
    vehicles: int


@dataclass(frozen=True)
class EventRow:
    """An event as the dashboard shows it."""

    event_id: uuid.UUID
    vehicle_id: str
    time: datetime
    type: str
    level: int
    lat: float
    lon: float
    speed_mps: float | None
    ttc_s: float | None
    headway_s: float | None


@dataclass(frozen=True)
class Totals:
    """Headline counts of what the store holds."""

    vehicles: int
    positions: int
    events: int
    events_by_type: dict[str, int]
    vehicle_km: float
    batches: int


class Store(Protocol):
    """Storage behind a narrow interface; DuckDB now, PostgreSQL next (same tests)."""

    location: str

    def schema_version(self) -> int:
        """The version of the store's own schema."""
        ...

    def ingest(self, batch: Batch) -> IngestResult:
        """Store a validated batch durably, once; a repeated batch id is a duplicate."""
        ...

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue a batch for storing; the future resolves once it is durable."""
        ...

    def queue_depth(self) -> int:
        """Uploads waiting to be written."""
        ...

    def add_device(self, device_id: str, vehicle_id: str, token_hash: str) -> Device:
        """Provision a device; the token is stored only as its hash."""
        ...

    def device_by_token_hash(self, token_hash: str) -> Device | None:
        """The active device holding this token, if any."""
        ...

    def list_devices(self) -> list[Device]:
        """Every provisioned device."""
        ...

    def revoke_device(self, device_id: str) -> bool:
        """Revoke a device; False when there is no such active device."""
        ...

    def totals(self) -> Totals:
        """Headline counts."""
        ...

    def exposure_by_cell(self, resolution: int, max_gap_s: float = 5.0) -> list[CellExposure]:
        """Vehicle-km per H3 cell: each fix's speed times the time to the next fix."""
        ...

    def events_by_cell(
        self, resolution: int, event_types: Sequence[str] | None = None
    ) -> list[CellEvents]:
        """Event counts per H3 cell for the given types (all types when None)."""
        ...

    def events(self, event_types: Sequence[str] | None = None, limit: int = 5000) -> list[EventRow]:
        """The most recent events with a position, newest first."""
        ...

    def close(self) -> None:
        """Finish pending writes and release the store."""
        ...
