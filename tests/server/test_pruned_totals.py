"""Every view counts the same vehicle-km and events, before and after retention prunes.

The store's totals (a scan, what ``roadsense store`` prints), the panels (the hourly cube),
the hotspots read from the store at another resolution and the monthly report read exposure
through the one rule of ``roadsense.store.exposure``, raw positions
and the retention roll-up together; so they agree with each other, for the whole city and
for one fleet's operator, and a prune of old positions changes none of them. One vehicle
sends a fix a second, one every 10-30 s (a sparse gateway), one belongs to no fleet.
Runs on both stores.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadsense.reports import build_report, parse_month
from roadsense.schema import AdasEvent, Position
from roadsense.server.app import create_app
from roadsense.store import Store, open_store
from tests.factories import T0, batch, event, position, track
from tests.server.conftest import as_role, provision, settings_for

MONTH = "2025-06"
"""T0's month in the city's time zone."""
CUTOFF = T0 + timedelta(minutes=40)


def _sparse(vehicle: str, seconds: int, speed: float) -> list[Position]:
    rng, t, fixes = random.Random(3), 0, []
    while t <= seconds:
        fixes.append(position(vehicle, t, lat=60.16 + t * speed / 111_320.0, speed=speed))
        t += rng.randint(10, 30)
    return fixes


def _on_the_way(fixes: list[Position], n: int) -> list[AdasEvent]:
    """``n`` events spread along a vehicle's fixes, each where and when its fix was."""
    every = len(fixes) // n
    return [
        event(f.vehicle_id, int((f.time - T0).total_seconds()), lat=f.lat, lon=f.lon)
        for f in fixes[::every][:n]
    ]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    db = open_store(store_url)
    provision(db)
    for device, fixes, events in (
        ("gw-1", track("taxi-1", 3600, speed=9.0), 7),
        ("gw-2", _sparse("taxi-2", 5400, 11.0), 9),
        ("gw-3", track("taxi-3", 900, start=600, speed=6.0), 2),
    ):
        db.ingest(batch([*fixes, *_on_the_way(fixes, events)], device))
    yield db
    db.close()


def _get(client: TestClient, role: str, path: str) -> Any:
    r = client.get(path, headers=as_role(role))
    assert r.status_code == 200, r.text
    return r.json()


def _views(store: Store, store_url: str, role: str) -> dict[str, tuple[float, int]]:
    """(vehicle-km, events) as each view gives them to ``role``."""
    app = create_app(settings_for(store_url), store=store)  # a fresh app: a fresh cube
    totals = (store if role == "analyst" else store.scoped("f1")).totals()
    with TestClient(app, raise_server_exceptions=False) as c:
        panel = _get(c, role, "/v1/panels/summary")
        cells = _get(c, role, "/v1/panels/hotspots")["features"]
        density = _get(c, role, "/v1/panels/density")["features"]
        rates = _get(c, role, "/v1/panels/rates")
        # resolution 9 is not the cube's: the cells are read from the store
        mapped = _get(c, role, "/v1/panels/hotspots?resolution=9")["features"]
    assert (panel["batches"], panel["positions"]) == (totals.batches, totals.positions)
    events = totals.events
    views = {
        "totals": (round(totals.vehicle_km, 3), events),
        "/v1/panels/summary": (panel["vehicle_km"], panel["events"]),
        "/v1/panels/hotspots": (
            sum(f["properties"]["vehicle_km"] for f in cells),
            sum(f["properties"]["events"] for f in cells),
        ),
        "/v1/panels/density": (sum(f["properties"]["vehicle_km"] for f in density), events),
        "/v1/panels/rates": (sum(rates["vehicle_km"]), events),
        "/v1/panels/hotspots?resolution=9": (
            sum(f["properties"]["vehicle_km"] for f in mapped),
            sum(f["properties"]["events"] for f in mapped),
        ),
    }
    if role == "analyst":  # the report is the city's
        headline = build_report(store, parse_month(MONTH)).headline
        views["report"] = (headline.vehicle_km, headline.events)
    return views


@pytest.mark.parametrize("role", ["analyst", "ops-f1"])
def test_views_agree_before_and_after_a_prune(store: Store, store_url: str, role: str) -> None:
    before = _views(store, store_url, role)
    result = store.prune(CUTOFF)
    assert result.positions_deleted > 0
    after = _views(store, store_url, role)

    km, events = before["totals"]
    assert km > 0
    assert events > 0
    for name, (view_km, view_events) in [*before.items(), *after.items()]:
        # the APIs round vehicle-km (to 0.01 km in rates, 0.001 km per cell elsewhere)
        assert view_km == pytest.approx(km, abs=0.02), name
        assert view_events == events, name
    if role == "ops-f1":  # the fleet's own figures, not the city's
        city = _views(store, store_url, "analyst")["totals"]
        assert km < city[0]
        assert events < city[1]
