"""The road products over HTTP: GeoJSON, analysts only, k-anonymity floors."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from roadsense.roads.service import CityRoads
from roadsense.server.app import create_app
from roadsense.sim import SimResult
from roadsense.store import open_store
from tests.roads.fleet_store import fill
from tests.server.conftest import as_role, provision, settings_for


def test_roads_api(tmp_path: Path, helsinki: CityRoads, fleet_run: SimResult) -> None:
    url = str(tmp_path / "store.duckdb")
    with open_store(url) as db:
        provision(db)
    app = create_app(settings_for(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        empty = client.get("/v1/roads/segments", headers=as_role("analyst"))
        assert empty.status_code == 409
        assert "roadsense roads import" in empty.text
        fill(app.state.roadsense.store, fleet_run, helsinki)
        segments = client.get("/v1/roads/segments", headers=as_role("analyst")).json()
        assert len(segments["features"]) == len(helsinki.network.segments)
        assert client.get("/v1/roads/segments", headers=as_role("ops-f1")).status_code == 403
        low = client.get("/v1/roads/speeds?min_vehicles=1", headers=as_role("analyst"))
        assert low.status_code == 422  # below the privacy floor of 5
        for path in ("exposure", "speeds", "signs", "sign-mismatches", "lanes", "potholes"):
            answer = client.get(f"/v1/roads/{path}", headers=as_role("admin"))
            assert answer.status_code == 200, path
            assert answer.json()["type"] == "FeatureCollection"
        bad = client.get("/v1/roads/speeds?tz=Mars/Olympus", headers=as_role("analyst"))
        assert bad.status_code == 400
