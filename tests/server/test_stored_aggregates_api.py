"""The dashboard answers from the hourly aggregates an analysis run kept
(``ROADSENSE_DASHBOARD_AGGREGATES=stored``), on both stores.

The aggregates kept are the store's own with the FCW warnings left out, as if computed
elsewhere (on Spark, from a lake): the panels then count the HMW warnings only, which a
scan of the store would not give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from roadsense.server.app import create_app
from roadsense.store import open_store
from roadsense.store.analytics_rows import DASHBOARD_RESOLUTION
from tests.server.conftest import ANALYST, provision, settings_for
from tests.server.test_dashboard_api import seed


@pytest.fixture
def stored_client(store_url: str) -> Iterator[TestClient]:
    with open_store(store_url) as db:
        provision(db)
    app = create_app(settings_for(store_url, dashboard_aggregates="stored"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _keep_hmw_only(store_url: str) -> str:
    """Keep the store's aggregates, less the FCW warnings, with a new analysis run."""
    with open_store(store_url) as db:
        agg = db.hourly_aggregates(DASHBOARD_RESOLUTION)
        hmw = replace(
            agg,
            cell_events=[r for r in agg.cell_events if r.event_type == "HMW"],
            vehicle_events=[r for r in agg.vehicle_events if r.event_type == "HMW"],
        )
        run = db.record_analysis_run("analyze", datetime.now(UTC), {}, {"engine": "spark"}, {})
        db.save_hourly_aggregates(run.run_id, DASHBOARD_RESOLUTION, hmw)
        return run.run_id


def test_the_dashboard_answers_from_the_kept_aggregates(
    stored_client: TestClient, store_url: str
) -> None:
    seed(stored_client)
    # none kept yet: the store's scan
    scanned = stored_client.get("/v1/panels/summary", headers=ANALYST).json()
    assert (scanned["events"], scanned["events_by_type"]) == (4, {"FCW": 2, "HMW": 2})
    _keep_hmw_only(store_url)
    kept = stored_client.get("/v1/panels/summary", params={"fresh": "true"}, headers=ANALYST)
    s = kept.json()
    assert (s["vehicles"], s["positions"], s["batches"]) == (2, 122, 2)
    assert (s["events"], s["events_by_type"], s["event_types"]) == (2, {"HMW": 2}, ["HMW"])
    assert s["vehicle_km"] == scanned["vehicle_km"] == 1.2
    top = stored_client.get("/v1/panels/top-cells", headers=ANALYST).json()
    assert sum(row["events"] for row in top) == 2
    hotspots = stored_client.get("/v1/panels/hotspots", headers=ANALYST).json()
    assert sum(f["properties"]["events"] for f in hotspots["features"]) == 2
