"""The real app on a real store (DuckDB and PostgreSQL in turn), driven in-process.

The store holds two fleets, one vehicle and gateway in each, and an API key per role.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from roadsense.accounts import hash_token
from roadsense.server.app import create_app
from roadsense.server.settings import Settings
from roadsense.store import Store, open_store

TOKEN = "token-of-gw-1"
OTHER_TOKEN = "token-of-gw-2"
KEYS = {
    "admin": "rsk_admin-key",
    "analyst": "rsk_analyst-key",
    "ops-f1": "rsk_fleet-1-operator-key",
    "ops-f2": "rsk_fleet-2-operator-key",
}


def provision(db: Store) -> None:
    db.add_fleet("f1", "Fleet One")
    db.add_fleet("f2", "Fleet Two")
    db.add_vehicle("taxi-1", "f1")
    db.add_vehicle("taxi-2", "f2")
    db.add_device("gw-1", "taxi-1", hash_token(TOKEN))
    db.add_device("gw-2", "taxi-2", hash_token(OTHER_TOKEN))
    db.add_driver("drv-1", "f1", "Kim Min-jun")
    db.add_driver("drv-2", "f2", "Lee Seo-yeon")
    db.add_api_key("admin", hash_token(KEYS["admin"]), "admin")
    db.add_api_key("analyst", hash_token(KEYS["analyst"]), "analyst")
    db.add_api_key("ops-f1", hash_token(KEYS["ops-f1"]), "fleet_operator", "f1")
    db.add_api_key("ops-f2", hash_token(KEYS["ops-f2"]), "fleet_operator", "f2")


def settings_for(store_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "store": store_url,
        "max_body_bytes": 200_000,
        "min_vehicles": 1,
        "min_vehicle_km": 0.05,
        "access_log": False,
        "credential_cache_s": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with open_store(store_url) as db:
        provision(db)
    app = create_app(settings_for(store_url))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_role(name: str) -> dict[str, str]:
    """The Authorization header of one of the API keys: admin, analyst, ops-f1, ops-f2."""
    return auth(KEYS[name])


ANALYST = as_role("analyst")
