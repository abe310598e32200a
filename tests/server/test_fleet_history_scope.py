"""The read routes keep a moved vehicle's history with the fleet that had it then.

The two fleets of ``test_read_scope`` (north and south), plus a vehicle that drives in the
north fleet, is moved to the south fleet and drives on there (warning PCW, a type the
north fleet never had). Each operator's answers on the counting routes of that test's
table (``CASES``, reused) hold its own vehicles' records plus the mover's records of its
own time, never the other part; ``/v1/panels/meta`` lists only the caller's event types
and days, and ``/v1/panels/evaluation`` only a roll-out run made for the caller's fleet.
Runs on both stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadsense.accounts import hash_token
from roadsense.schema import AnyRecord, EventType
from roadsense.store import Store
from tests.factories import T0, batch, event, track
from tests.server import test_read_scope as read_scope
from tests.server.test_read_scope import (
    ANALYST_KEY,
    CASES,
    NORTH,
    NORTH_EVENTS,
    NORTH_KEY,
    SOUTH,
    SOUTH_EVENTS,
    SOUTH_KEY,
    Case,
)

two_fleets = read_scope.two_fleets  # the fixture, shared

MOVER = "taxi-mover"
BEFORE_EVENTS, AFTER_EVENTS = 2, 4
OWN_EVENTS = {NORTH: NORTH_EVENTS + BEFORE_EVENTS, SOUTH: SOUTH_EVENTS + AFTER_EVENTS}
KEYS = {NORTH: NORTH_KEY, SOUTH: SOUTH_KEY}
OTHER = {NORTH: SOUTH, SOUTH: NORTH}


def _store(client: TestClient) -> Store:
    app: Any = client.app
    store: Store = app.state.roadsense.store
    return store


@pytest.fixture
def moved(two_fleets: TestClient) -> TestClient:
    """The mover's history: BEFORE_EVENTS in the north fleet, then AFTER_EVENTS in the south."""
    db = _store(two_fleets)
    db.add_vehicle(MOVER, NORTH)
    db.add_device("gw-mover", MOVER, hash_token("token-mover"))
    before: list[AnyRecord] = [
        *track(MOVER, 20, start=100),
        *(event(MOVER, 100 + 2 * i) for i in range(BEFORE_EVENTS)),
    ]
    db.ingest(batch(before, "gw-mover"))
    db.add_vehicle(MOVER, SOUTH)
    start = int((datetime.now(UTC) - T0).total_seconds()) + 120  # after the move
    after: list[AnyRecord] = [
        *track(MOVER, 20, start=start),
        *(event(MOVER, start + 2 * i, EventType.PCW) for i in range(AFTER_EVENTS)),
    ]
    db.ingest(batch(after, "gw-mover"))
    # one rebuild of the cube, seen by every later request
    r = two_fleets.get(
        "/v1/panels/summary",
        params={"fresh": "true"},
        headers={"Authorization": f"Bearer {ANALYST_KEY}"},
    )
    assert r.status_code == 200
    return two_fleets


def _as(fleet: str, case: Case) -> tuple[str, dict[str, str | int]]:
    """A case of the north operator's table, asked by ``fleet``'s operator."""
    path = case.path.replace(f"/fleets/{NORTH}/", f"/fleets/{fleet}/")
    params = {k: (OTHER[fleet] if k == "fleet" else v) for k, v in case.params.items()}
    return path, params


def _get(client: TestClient, fleet: str, path: str, params: dict[str, Any]) -> Any:
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {KEYS[fleet]}"})
    assert r.status_code == 200, f"{path} {params}: {r.status_code} {r.text[:200]}"
    return r.json()


COUNTING = [c for c in CASES if c.count is not None and c.expected == NORTH_EVENTS]
"""The cases of the table that count the north fleet's events."""


@pytest.mark.parametrize("fleet", [NORTH, SOUTH])
def test_each_operator_counts_the_mover_for_its_own_time_only(
    moved: TestClient, fleet: str
) -> None:
    assert len(COUNTING) >= 5, "the read-scope table lost its counting cases"
    got = {}
    for case in COUNTING:
        path, params = _as(fleet, case)
        assert case.count is not None
        got[f"{path} {params}"] = case.count(_get(moved, fleet, path, params))
    got["/v1/panels/summary fresh"] = _get(moved, fleet, "/v1/panels/summary", {"fresh": "true"})[
        "events"
    ]
    assert got == dict.fromkeys(got, OWN_EVENTS[fleet])
    fresh = _get(moved, fleet, "/v1/panels/summary", {"fresh": "true"})
    assert fresh["batches"] == 2  # its own gateway's batch and the mover's batch of its time
    assert fresh["vehicles"] == 2  # its own vehicle and the mover


def test_the_city_counts_the_moved_vehicle_once(moved: TestClient) -> None:
    r = moved.get("/v1/panels/summary", headers={"Authorization": f"Bearer {ANALYST_KEY}"})
    city = r.json()
    assert city["vehicles"] == 3
    assert city["events"] == NORTH_EVENTS + SOUTH_EVENTS + BEFORE_EVENTS + AFTER_EVENTS


def test_meta_lists_only_the_fleets_own_types_and_days(moved: TestClient) -> None:
    north = _get(moved, NORTH, "/v1/panels/meta", {})
    south = _get(moved, SOUTH, "/v1/panels/meta", {})
    assert north["event_types"] == ["FCW"]
    assert south["event_types"] == ["FCW", "PCW"]
    assert north["first_day"] == north["last_day"] == T0.date().isoformat()
    assert south["last_day"] > north["last_day"]
    assert [f["fleet_id"] for f in north["fleets"]] == [NORTH]


def test_the_evaluation_is_shown_only_for_the_callers_fleet(moved: TestClient) -> None:
    db = _store(moved)
    city = db.record_analysis_run("rollout", datetime.now(UTC), {}, {}, {"rate_ratios": [1]})
    analyst = moved.get(
        "/v1/panels/evaluation", headers={"Authorization": f"Bearer {ANALYST_KEY}"}
    ).json()
    assert analyst["run_id"] == city.run_id
    assert _get(moved, NORTH, "/v1/panels/evaluation", {})["run_id"] is None
    later = datetime.now(UTC) + timedelta(seconds=1)
    own = db.record_analysis_run("rollout", later, {"fleet_id": NORTH}, {}, {"rate_ratios": [2]})
    assert _get(moved, NORTH, "/v1/panels/evaluation", {})["run_id"] == own.run_id
    assert _get(moved, SOUTH, "/v1/panels/evaluation", {})["run_id"] is None
