"""Storage: the repository interface and its backends (DuckDB embedded by default,
PostgreSQL + PostGIS for production)."""

from __future__ import annotations

from pathlib import Path

from roadsense.store.base import (
    FINE_H3_RESOLUTION,
    ROLES,
    ApiKey,
    CellEvents,
    CellExposure,
    Device,
    Driver,
    EventRow,
    Fleet,
    IngestResult,
    Principal,
    PruneResult,
    Role,
    Store,
    StoreBusy,
    StoreError,
    Totals,
    User,
    Vehicle,
)
from roadsense.store.duckdb_store import DuckDBStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a DuckDB file."""
    return str(location).startswith(POSTGRES_SCHEMES)


def open_store(
    location: str | Path,
    *,
    read_only: bool = False,
    queue_capacity: int | None = None,
) -> Store:
    """Open the store at ``location``.

    ``location`` is a DuckDB file path (or ``duckdb:///path``) or a PostgreSQL URL
    (``postgresql://user:password@host:port/db``).
    """
    text = str(location)
    capacity = {"queue_capacity": queue_capacity} if queue_capacity else {}
    if is_postgres(text):
        from roadsense.store.postgres_store import PostgresStore

        return PostgresStore(text, **capacity)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://")
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(
            f"unsupported store {scheme!r}: give a DuckDB file path (ending in .duckdb) "
            "or a postgresql:// URL"
        )
    return DuckDBStore(Path(text), read_only=read_only, **capacity)


__all__ = [
    "FINE_H3_RESOLUTION",
    "ROLES",
    "ApiKey",
    "CellEvents",
    "CellExposure",
    "Device",
    "Driver",
    "DuckDBStore",
    "EventRow",
    "Fleet",
    "IngestResult",
    "Principal",
    "PruneResult",
    "Role",
    "Store",
    "StoreBusy",
    "StoreError",
    "Totals",
    "User",
    "Vehicle",
    "is_postgres",
    "open_store",
]
