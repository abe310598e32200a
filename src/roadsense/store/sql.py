"""What the two SQL backends share: a small runner interface and the SQL dialect differences.

The registry, the reads and retention are written once (``sql_*.py``) against
:class:`Runner`, with ``?`` placeholders; each backend supplies a runner and a
:class:`Dialect` for the few places where DuckDB and PostgreSQL differ.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

from roadsense.store.h3cells import parent_masks

Row = tuple[Any, ...]


class Runner(Protocol):
    """Runs SQL with ``?`` placeholders on one connection."""

    def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """All rows of a query."""
        ...

    def run(self, sql: str, params: Sequence[object] = ()) -> None:
        """A statement whose rows are not wanted."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Insert ``rows`` (values in the order of ``columns``) into ``table``."""
        ...

    def arrow_batches(
        self, sql: str, params: Sequence[object], schema: pa.Schema, rows: int
    ) -> Iterator[pa.RecordBatch]:
        """The rows of a query as record batches of ``schema``, at most ``rows`` each,
        streamed (never the whole result in memory)."""
        ...


class SqlBackend(Protocol):
    """What the shared mixins need from a backend."""

    dialect: Dialect
    _fleet_scope: str | None

    def _read(self) -> AbstractContextManager[Runner]:
        """A runner for reads (autocommit)."""
        ...

    def _tx(self) -> AbstractContextManager[Runner]:
        """A runner inside one transaction, committed on leaving, rolled back on error."""
        ...


@dataclass(frozen=True)
class Dialect:
    """The differences between the backends' SQL that the shared code needs."""

    name: str
    cell_type: str
    """The type H3 cells are stored as: UBIGINT in DuckDB, BIGINT in PostgreSQL."""
    cell_mask: int
    """Bits of a cell kept when its resolution is rewritten (bit 63 of H3 is always 0)."""
    exclusive_prune_sql: str | None = None
    """Taken first in a prune's transaction so that processes prune one at a time."""

    def parent(self, column: str, resolution: int) -> str:
        """SQL for the parent at ``resolution`` of the H3 cell integers in ``column``.

        An H3 index keeps its resolution in bits 52-55 and one 3-bit digit per resolution
        below that; the parent has the coarser resolution and the finer digits all set to 7.
        """
        keep, _ = parent_masks(resolution, self.cell_mask)  # checks the resolution
        unused = (1 << (3 * (15 - resolution))) - 1
        t = self.cell_type
        return f"(({column} & {keep}::{t}) | {resolution << 52}::{t} | {unused}::{t})"


DUCKDB = Dialect("duckdb", "UBIGINT", 0xFFFF_FFFF_FFFF_FFFF)
POSTGRESQL = Dialect(
    "postgresql",
    "BIGINT",
    0x7FFF_FFFF_FFFF_FFFF,
    exclusive_prune_sql="SELECT pg_advisory_xact_lock(7270001)",
)


VALUES_CHUNK = 400
"""Rows per multi-row ``VALUES`` statement (:func:`values_insert`)."""


def values_insert(
    runner: Runner, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Insert ``rows`` with multi-row ``VALUES`` statements (any SQL backend)."""
    one_row = f"({placeholders(len(columns))})"
    for part in chunks(rows, VALUES_CHUNK):
        values = ", ".join(one_row for _ in part)
        params = [v for row in part for v in row]
        runner.run(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}", params)


def placeholders(n: int) -> str:
    """``?, ?, ...`` for ``n`` values."""
    return ", ".join("?" for _ in range(n))


def one(runner: Runner, sql: str, params: Sequence[object] = ()) -> Row:
    """The single row of a query that always returns one."""
    rows = runner.fetch(sql, params)
    if not rows:  # pragma: no cover - aggregates always return a row
        raise RuntimeError(f"no result from {sql}")
    return rows[0]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
