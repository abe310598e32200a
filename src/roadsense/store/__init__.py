"""Storage: the repository interface and its backends (DuckDB embedded by default)."""

from __future__ import annotations

from pathlib import Path

from roadsense.store.base import (
    FINE_H3_RESOLUTION,
    CellEvents,
    CellExposure,
    Device,
    EventRow,
    IngestResult,
    Store,
    StoreError,
    Totals,
)
from roadsense.store.duckdb_store import DuckDBStore


def open_store(location: str | Path, *, read_only: bool = False) -> DuckDBStore:
    """Open the store at ``location``: a DuckDB file path or ``duckdb:///path``."""
    text = str(location)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://")
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(
            f"unsupported store {scheme!r}: this version stores in DuckDB files "
            "(give a path ending in .duckdb)"
        )
    return DuckDBStore(Path(text), read_only=read_only)


__all__ = [
    "FINE_H3_RESOLUTION",
    "CellEvents",
    "CellExposure",
    "Device",
    "DuckDBStore",
    "EventRow",
    "IngestResult",
    "Store",
    "StoreError",
    "Totals",
    "open_store",
]
