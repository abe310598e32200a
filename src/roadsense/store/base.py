"""The whole store: every narrow interface together, as each backend implements it.

A caller that needs one concern types its parameter by that concern's protocol
(:class:`~roadsense.store.road_store.RoadStore`, :class:`~roadsense.store.read_store.ReadStore`
...); :class:`Store` is what :func:`roadsense.store.open_store` returns.
"""

from __future__ import annotations

from typing import Literal, Protocol

from roadsense.store.account_store import AccountStore
from roadsense.store.analysis_store import AnalysisStore
from roadsense.store.day_rows_store import DayRowsStore
from roadsense.store.ingest_store import IngestStore
from roadsense.store.read_store import ReadStore
from roadsense.store.registry_store import RegistryStore
from roadsense.store.retention_store import RetentionStore
from roadsense.store.road_store import RoadStore


class Store(
    IngestStore,
    AccountStore,
    RegistryStore,
    ReadStore,
    RetentionStore,
    RoadStore,
    AnalysisStore,
    DayRowsStore,
    Protocol,
):
    """Storage behind narrow interfaces: DuckDB and PostgreSQL, one test suite."""

    location: str
    backend: Literal["duckdb", "postgresql"]

    def schema_version(self) -> int:
        """The version of the store's own schema."""
        ...

    def scoped(self, fleet_id: str) -> Store:
        """A read-only view whose reads see only the vehicles of one fleet."""
        ...

    def close(self) -> None:
        """Finish pending writes and release the store."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
