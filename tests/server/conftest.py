"""The real app on a real DuckDB store, driven in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from roadsense.server.app import create_app
from roadsense.server.auth import hash_token
from roadsense.server.settings import Settings
from roadsense.store import open_store

TOKEN = "token-of-gw-1"
OTHER_TOKEN = "token-of-gw-2"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    path = tmp_path / "api.duckdb"
    with open_store(path) as db:
        db.add_device("gw-1", "taxi-1", hash_token(TOKEN))
        db.add_device("gw-2", "taxi-2", hash_token(OTHER_TOKEN))
    app = create_app(
        Settings(store=str(path), max_body_bytes=200_000, min_vehicles=1, min_vehicle_km=0.05)
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
