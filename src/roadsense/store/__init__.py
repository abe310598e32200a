"""Storage: the store's interfaces and their backends (DuckDB embedded by default,
PostgreSQL + PostGIS for production), with the store's own migrations.

The interface is split by concern, each protocol in a small module beside its rows:
:class:`IngestStore` (uploads), :class:`AccountStore` (devices, API keys, users,
sessions), :class:`RegistryStore` (fleets, vehicles, drivers), :class:`ReadStore`
(totals and aggregates), :class:`RetentionStore` (pruning), :class:`RoadStore` (the road
network and map matching), :class:`AnalysisStore` (crashes, driver shifts, analysis
runs) and :class:`DayRowsStore` (raw rows per UTC day as Arrow, for the lake).
:class:`Store` is all of them together, as both backends implement it; callers
type their parameters by the narrowest protocol they need. All SQL of the project lives
here (``sql_*.py`` and the backends); the private ``_read``/``_tx`` are for this package.

May import: :mod:`roadsense.schema` only (and its libraries: DuckDB, psycopg, h3).
"""

from __future__ import annotations

from pathlib import Path

from roadsense.store.account_store import (
    ROLES,
    AccountStore,
    ApiKey,
    Device,
    DeviceToAdd,
    Principal,
    Role,
    User,
)
from roadsense.store.analysis_store import AnalysisStore
from roadsense.store.base import Store
from roadsense.store.day_rows_store import (
    LAKE_TABLES,
    RAW_TABLES,
    DayRowsStore,
    LakeTable,
    RawTable,
)
from roadsense.store.duckdb_store import DuckDBStore
from roadsense.store.errors import StoreError
from roadsense.store.h3cells import FINE_H3_RESOLUTION
from roadsense.store.ingest_store import IngestResult, IngestStore, StoreBusy
from roadsense.store.read_store import CellEvents, CellExposure, ReadStore, Totals
from roadsense.store.registry_store import Driver, Fleet, RegistryStore, Vehicle
from roadsense.store.retention_store import PruneResult, RetentionStore
from roadsense.store.road_store import RoadStore
from roadsense.store.roads_rows import Junction, Segment

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
    "LAKE_TABLES",
    "RAW_TABLES",
    "ROLES",
    "AccountStore",
    "AnalysisStore",
    "ApiKey",
    "CellEvents",
    "CellExposure",
    "DayRowsStore",
    "Device",
    "DeviceToAdd",
    "Driver",
    "DuckDBStore",
    "Fleet",
    "IngestResult",
    "IngestStore",
    "Junction",
    "LakeTable",
    "Principal",
    "PruneResult",
    "RawTable",
    "ReadStore",
    "RegistryStore",
    "RetentionStore",
    "RoadStore",
    "Role",
    "Segment",
    "Store",
    "StoreBusy",
    "StoreError",
    "Totals",
    "User",
    "Vehicle",
    "is_postgres",
    "open_store",
]
