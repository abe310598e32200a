"""Shared fixtures: a real DuckDB store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from roadsense.store import DuckDBStore

pytest_plugins = ["tests.backends"]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "roadsense.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[DuckDBStore]:
    db = DuckDBStore(store_path)
    yield db
    db.close()
