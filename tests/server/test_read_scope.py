"""Every read route, one table: a fleet operator's answer holds nothing of another fleet.

The store holds two fleets (north and south: a vehicle, a gateway, a driver, positions and
events each; south has more events, so that counts give a leak away). For every GET route
of the app (enumerated from ``app.routes``) the table below says what the north fleet's
operator must get: ``PUBLIC`` (no tenant data at all), ``OWN`` (an answer about its own
fleet only) or ``FORBIDDEN`` (403, a city-wide or admin product). Every answer is searched
for the south fleet's ids, names and pseudonyms; some cases also check a count. A GET route
that is not in the table fails the test, so a new route must be added to it. Runs on both
stores.

The table is data: a later case list (other tenants, hostile parameters) extends it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from roadsense.accounts import hash_token
from roadsense.schema import AnyRecord
from roadsense.server.app import create_app
from roadsense.server.auth import pseudonym
from roadsense.store import open_store
from tests.factories import batch, event, track
from tests.server.conftest import settings_for

NORTH, SOUTH = "fleet-north", "fleet-south"
NORTH_KEY, SOUTH_KEY = "rsk_north-operator-key", "rsk_south-operator-key"
ANALYST_KEY = "rsk_scope-analyst-key"
NORTH_EVENTS, SOUTH_EVENTS = 3, 5
NORTH_FIXES = 40
SOUTH_NAMES = ("fleet-south", "South Cabs", "taxi-south", "gw-south", "drv-south", "Park Ji-ho")
"""Strings of the south fleet (ids and names) that the north operator must never see."""

Expect = Literal["public", "own", "forbidden"]
PUBLIC: Expect = "public"
OWN: Expect = "own"
FORBIDDEN: Expect = "forbidden"


@dataclass(frozen=True)
class Case:
    """One request of the north operator, and what it must get."""

    path: str
    expect: Expect
    params: dict[str, str | int] = field(default_factory=dict)
    count: Callable[[Any], int] | None = None
    """For ``OWN``: a count in the answer that must be the north fleet's (``expected``)."""
    expected: int = 0


def _features(answer: Any) -> int:
    return len(answer["features"])


def _event_sum(answer: Any) -> int:
    return sum(f["properties"]["events"] for f in answer["features"])


def _list_sum(answer: Any) -> int:
    return sum(row["events"] for row in answer)


ASK_SOUTH: dict[str, str | int] = {"fleet": SOUTH}
"""A fleet operator asking for another fleet's figures must still get its own."""

CASES: list[Case] = [
    # public: the API description, probes, the sign-in page
    Case("/openapi.json", PUBLIC),
    Case("/docs", PUBLIC),
    Case("/redoc", PUBLIC),
    Case("/signin", PUBLIC),
    Case("/", PUBLIC),
    Case("/healthz", PUBLIC),
    Case("/readyz", PUBLIC),
    # who am I
    Case("/v1/session", OWN),
    # registry
    Case("/v1/fleets", OWN, count=len, expected=1),
    Case(f"/v1/fleets/{NORTH}/vehicles", OWN, count=len, expected=1),
    Case(f"/v1/fleets/{SOUTH}/vehicles", FORBIDDEN),
    Case(f"/v1/fleets/{NORTH}/drivers", OWN, count=len, expected=1),
    Case(f"/v1/fleets/{SOUTH}/drivers", FORBIDDEN),
    Case("/v1/drivers", OWN, count=len, expected=1),
    Case(f"/v1/fleets/{NORTH}/events", OWN, count=len, expected=NORTH_EVENTS),
    Case(f"/v1/fleets/{SOUTH}/events", FORBIDDEN),
    # the dashboard's figures, maps and panels
    Case("/v1/panels/hotspots", OWN, ASK_SOUTH, _event_sum, NORTH_EVENTS),
    Case("/v1/panels/top-cells", OWN, ASK_SOUTH, _list_sum, NORTH_EVENTS),
    Case("/v1/panels/hotspots", OWN, {**ASK_SOUTH, "resolution": 9}, _event_sum, NORTH_EVENTS),
    Case("/v1/panels/osm-roads", PUBLIC),
    Case("/v1/panels/density", OWN, ASK_SOUTH),
    Case("/v1/panels/rates", OWN, ASK_SOUTH),
    Case("/v1/panels/events", OWN, ASK_SOUTH, _features, NORTH_EVENTS),
    Case("/v1/panels/events", OWN, {}, _features, NORTH_EVENTS),
    Case("/v1/panels/meta", OWN, count=lambda a: len(a["fleets"]), expected=1),
    Case("/v1/panels/summary", OWN, count=lambda a: a["events"], expected=NORTH_EVENTS),
    Case("/v1/panels/summary", OWN, {"fresh": "true"}, lambda a: a["batches"], 1),
    Case("/v1/panels/evaluation", OWN),
    Case("/v1/panels/fleet-scores", OWN, ASK_SOUTH, lambda a: len(a["subjects"]), 1),
    # city-wide products and administration
    Case("/v1/panels/roads", FORBIDDEN),
    Case("/v1/roads/segments", FORBIDDEN),
    Case("/v1/roads/exposure", FORBIDDEN),
    Case("/v1/roads/speeds", FORBIDDEN),
    Case("/v1/roads/signs", FORBIDDEN),
    Case("/v1/roads/sign-mismatches", FORBIDDEN),
    Case("/v1/roads/lanes", FORBIDDEN),
    Case("/v1/roads/potholes", FORBIDDEN),
    Case("/metrics", FORBIDDEN),
    Case("/v1/admin/devices", FORBIDDEN),
    Case("/v1/admin/keys", FORBIDDEN),
    Case("/v1/admin/users", FORBIDDEN),
]


def _route_of(path: str) -> str:
    """The route template a case's path belongs to."""
    for fleet in (NORTH, SOUTH):
        path = path.replace(f"/fleets/{fleet}/", "/fleets/{fleet_id}/")
    return path


@pytest.fixture
def two_fleets(store_url: str) -> Iterator[TestClient]:
    with open_store(store_url) as db:
        for fleet, name, side, driver in (
            (NORTH, "North Cabs", "north", "Kim Min-jun"),
            (SOUTH, "South Cabs", "south", "Park Ji-ho"),
        ):
            db.add_fleet(fleet, name)
            db.add_vehicle(f"taxi-{side}", fleet)
            db.add_device(f"gw-{side}", f"taxi-{side}", hash_token(f"token-{side}"))
            db.add_driver(f"drv-{side}", fleet, driver)
        db.add_api_key("north-ops", hash_token(NORTH_KEY), "fleet_operator", NORTH)
        db.add_api_key("south-ops", hash_token(SOUTH_KEY), "fleet_operator", SOUTH)
        db.add_api_key("scope-analyst", hash_token(ANALYST_KEY), "analyst")
        for side, fixes, events in (
            ("north", NORTH_FIXES, NORTH_EVENTS),
            ("south", 60, SOUTH_EVENTS),
        ):
            vehicle = f"taxi-{side}"
            items: list[AnyRecord] = [
                *track(vehicle, fixes),
                *(event(vehicle, 2 * i) for i in range(events)),
            ]
            db.ingest(batch(items, f"gw-{side}"))
    app = create_app(settings_for(store_url))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _get_routes(client: TestClient) -> set[str]:
    """The path of every GET route of the app (``app.routes``, included routers flattened)."""
    found = set()
    for context in iter_route_contexts(getattr(client.app, "routes", [])):
        methods = getattr(context, "methods", None) or set()
        if "GET" in methods:
            found.add(str(context.path))
    return found


KEY = settings_for("unused").pseudonym_key
"""The pseudonym key of the test app (the development key)."""


def _south_strings() -> list[str]:
    return [
        *SOUTH_NAMES,
        pseudonym(KEY, "taxi-south"),
        pseudonym(KEY, "drv-south", "drv-"),
    ]


def test_every_read_route_is_in_the_table(two_fleets: TestClient) -> None:
    covered = {_route_of(c.path) for c in CASES}
    routes = _get_routes(two_fleets)
    assert routes, "no routes found: has FastAPI changed how it lists them?"
    assert routes - covered == set(), "GET routes missing from CASES (add them)"
    assert covered - routes == set(), "CASES name routes the app does not have"


def test_a_fleet_operator_sees_nothing_of_another_fleet(two_fleets: TestClient) -> None:
    south = _south_strings()
    # the analyst sees the south fleet: the strings searched for are really in the data
    everyone = json.dumps(
        [
            two_fleets.get(p, headers={"Authorization": f"Bearer {ANALYST_KEY}"}).json()
            for p in ("/v1/fleets", "/v1/drivers", "/v1/panels/events")
        ]
    )
    for text in (SOUTH, "South Cabs", pseudonym(KEY, "taxi-south")):
        assert text in everyone
    failures = []
    for case in CASES:
        r = two_fleets.get(
            case.path, params=case.params, headers={"Authorization": f"Bearer {NORTH_KEY}"}
        )
        where = f"{case.path} {case.params}"
        if case.expect == FORBIDDEN:
            if r.status_code != 403:
                failures.append(f"{where}: {r.status_code}, not 403")
            continue
        if r.status_code != 200:
            failures.append(f"{where}: {r.status_code} {r.text[:200]}")
            continue
        leaked = [s for s in south if s in r.text]
        if leaked:
            failures.append(f"{where}: holds {leaked}")
        if case.count is not None:
            got = case.count(r.json())
            if got != case.expected:
                failures.append(f"{where}: count {got}, not {case.expected}")
    assert failures == []
