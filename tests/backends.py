"""Both storage backends for the tests: DuckDB files and a real PostgreSQL + PostGIS.

One PostgreSQL cluster is started per test session on 127.0.0.1 (initdb into a temporary
folder, pg_ctl start on a free port) and stopped at the end; each test gets a fresh
database copied from a migrated template. ``make pg-deps`` installs Debian's packages.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from roadsense.store import Store, is_postgres, open_store
from roadsense.store.pg_local import LocalPostgres, LocalPostgresError, postgis_available

BACKENDS = ["duckdb", "postgresql"]
TEMPLATE = "roadsense_template"
_names = itertools.count()


class PgCluster:
    """The session's PostgreSQL, handing out fresh migrated databases."""

    def __init__(self, server: LocalPostgres) -> None:
        self.server = server

    def new_database(self) -> str:
        name = f"t{next(_names)}"
        with self.server.connect("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return self.server.url_for(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    try:
        server = LocalPostgres(fsync=False)
        if not postgis_available(server.bin):
            raise LocalPostgresError("PostGIS is not installed: run `make pg-deps`")
        server.start()
    except LocalPostgresError as exc:
        pytest.fail(f"cannot start the test PostgreSQL: {exc}")
    try:
        url = server.create_database(TEMPLATE)
        open_store(url).close()  # migrate the template once
        yield PgCluster(server)
    finally:
        server.remove()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a fresh, empty store of the backend under test lives."""
    if backend == "duckdb":
        return str(tmp_path / "store.duckdb")
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    """A fresh store of each backend in turn."""
    db = open_store(store_url)
    yield db
    db.close()


def query(store_url: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query run straight on a closed store's database, to check what it holds."""
    if is_postgres(store_url):
        with psycopg.connect(store_url) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    con = duckdb.connect(store_url, read_only=True)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()
