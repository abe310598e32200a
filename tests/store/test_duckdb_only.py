"""What only the embedded DuckDB store does: one process per file, and its file checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import h3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsense.store import DuckDBStore, StoreError, open_store
from roadsense.store.h3cells import fine_cell, parent_sql
from roadsense.store.sql import POSTGRESQL


def test_a_second_process_gets_a_clear_error(store: DuckDBStore, store_path: Path) -> None:
    assert store.totals().positions == 0  # held open by this process
    code = (
        "import sys\n"
        "from roadsense.store import open_store, StoreError\n"
        "try:\n"
        f"    open_store({str(store_path)!r})\n"
        "except StoreError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "Is a roadsense server using it?" in done.stdout


def test_a_store_from_a_newer_roadsense_is_refused(store_path: Path) -> None:
    open_store(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO schema_migrations VALUES (999, now())")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(store_path)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"not a readable DuckDB store|cannot open"):
        open_store(bad)


@given(lat=st.floats(-85, 85), lon=st.floats(-179.9, 179.9), resolution=st.integers(0, 12))
def test_parent_in_sql_matches_h3(lat: float, lon: float, resolution: int) -> None:
    cell = fine_cell(lat, lon)
    ((parent,),) = duckdb.execute(
        f"SELECT {parent_sql(str(cell) + '::UBIGINT', resolution)}"
    ).fetchall()
    expected = h3.cell_to_parent(h3.int_to_str(cell), resolution)
    assert h3.int_to_str(parent) == expected
    # PostgreSQL's signed form gives the same parent (bit 63 of an H3 index is always 0)
    ((signed,),) = duckdb.execute(
        f"SELECT {POSTGRESQL.parent(str(cell) + '::BIGINT', resolution)}"
    ).fetchall()
    assert h3.int_to_str(signed) == expected
