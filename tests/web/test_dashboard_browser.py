"""The dashboard page in a real Chromium against the real server and a real DuckDB store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is absent (Debian: apt-get install chromium)",
    ),
]

READY_MS = 60_000
LAYERS = [
    "roads-line",
    "hotspots-fill",
    "hotspots-ineligible",
    "hotspots-top",
    "events-circle",
]

# Chromium itself (not the page) reports its software GL's readback as a console warning when
# it composites a WebGL canvas without a GPU; the page logs nothing of its own.
BROWSER_NOISE = ("GL Driver Message",)


@dataclass
class PageLog:
    """What went wrong while the page ran, as the browser reported it."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console == [], f"console output: {self.console}"
        assert self.failed == [], f"failed requests: {self.failed}"


@pytest.fixture
def dashboard(browser_context: Any, live_server: LiveServer) -> Iterator[tuple[Any, PageLog]]:
    """The dashboard, loaded and drawn, with a log of console messages and failed requests."""
    page = browser_context.new_page()
    log = PageLog()

    def on_console(message: Any) -> None:
        if message.type == "warning" and any(n in message.text for n in BROWSER_NOISE):
            return
        log.console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.console.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda r: log.failed.append(f"{r.url}: {r.failure}"))
    page.on(
        "response",
        lambda r: log.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
    )
    browser_context.add_cookies(
        [{"name": "roadsense_session", "value": live_server.session, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/")
    page.wait_for_function(
        "() => window.roadsense && (window.roadsense.ready || window.roadsense.error)",
        timeout=READY_MS,
    )
    assert page.evaluate("window.roadsense.error") is None
    try:
        yield page, log
    finally:
        page.close()


def rendered(page: Any) -> dict[str, int]:
    """Distinct features drawn on screen per layer (a feature split over tiles counts once)."""
    counts: dict[str, int] = page.evaluate(
        """(layers) => {
            const map = window.roadsense.map;
            const out = {};
            for (const layer of layers) {
                const ids = new Set(map.queryRenderedFeatures({layers: [layer]}).map(
                    (f) => JSON.stringify([f.properties.osm_way_id, f.properties.cell,
                                           f.properties.event_id])));
                out[layer] = ids.size;
            }
            return out;
        }""",
        LAYERS,
    )
    return counts


def rendered_props(page: Any, layer: str) -> list[dict[str, Any]]:
    props: list[dict[str, Any]] = page.evaluate(
        "(layer) => window.roadsense.map.queryRenderedFeatures({layers: [layer]})"
        ".map((f) => f.properties)",
        layer,
    )
    return props


def wait_drawn(page: Any, event_type: str) -> None:
    page.wait_for_function(
        "(t) => window.roadsense.ready && window.roadsense.filter === t",
        arg=event_type,
        timeout=READY_MS,
    )


def drawn_events(page: Any) -> int:
    """Events on screen: single points plus the points inside drawn clusters."""
    total: int = page.evaluate(
        """() => {
            const map = window.roadsense.map;
            const single = new Set(map.queryRenderedFeatures({layers: ['events-circle']})
                .map((f) => f.properties.event_id)).size;
            const clusters = new Map(map.queryRenderedFeatures({layers: ['events-clusters']})
                .map((f) => [f.properties.cluster_id, f.properties.point_count]));
            return single + [...clusters.values()].reduce((a, b) => a + b, 0);
        }"""
    )
    return total


def test_page_loads_cleanly_and_draws_every_layer(
    dashboard: tuple[Any, PageLog], live_server: LiveServer, artifacts: Path
) -> None:
    page, log = dashboard
    counts = page.evaluate("window.roadsense.counts")
    assert counts["roads"] > 100
    assert counts["hotspots"] > 0
    assert counts["events"] == live_server.fleet.events

    drawn = rendered(page)
    page.screenshot(path=str(artifacts / "dashboard.png"))
    assert drawn["roads-line"] > 100, drawn
    assert drawn["hotspots-fill"] > 0, drawn
    assert drawn["hotspots-ineligible"] > 0, drawn
    assert drawn["hotspots-top"] >= 1, drawn
    assert drawn_events(page) == live_server.fleet.events

    assert page.locator("#sum-positions").inner_text() == f"{live_server.fleet.positions:,}"
    assert page.locator("#sum-events").inner_text() == f"{live_server.fleet.events:,}"
    assert page.locator("#layer-list > li").count() == 8  # an analyst sees every layer
    assert page.locator("#layer-list .legend li").count() >= 8
    assert 1 <= page.locator("#top-cells button").count() <= 20
    assert page.locator("#rates-chart svg polyline").count() == len(
        live_server.fleet.events_by_type
    )
    log.assert_clean()


def test_type_filter_redraws_hotspots_and_events(
    dashboard: tuple[Any, PageLog], live_server: LiveServer, artifacts: Path
) -> None:
    page, log = dashboard
    fleet = live_server.fleet
    chosen = "HMW"
    select = page.get_by_label("Event type")
    options = select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    assert options == ["ALL", *sorted(fleet.events_by_type)]

    select.select_option(chosen)
    wait_drawn(page, chosen)
    page.screenshot(path=str(artifacts / "dashboard-filter-hmw.png"))
    assert page.evaluate("window.roadsense.counts.events") == fleet.events_by_type[chosen]
    assert drawn_events(page) == fleet.events_by_type[chosen]
    assert {e["type"] for e in rendered_props(page, "events-circle")} <= {chosen}
    cells = {
        c["cell"]: c["events"]
        for c in rendered_props(page, "hotspots-fill") + rendered_props(page, "hotspots-ineligible")
    }
    assert sum(cells.values()) == fleet.events_by_type[chosen]

    # a time-of-day filter with no driving in it empties the map (the fleet drove at 16:30)
    select.select_option("ALL")
    page.fill("#hour-from", "6")
    page.fill("#hour-to", "10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("() => window.roadsense.ready && window.roadsense.counts.events === 0")
    assert drawn_events(page) == 0
    log.assert_clean()


def test_clicking_an_event_opens_a_popup_with_its_type(
    dashboard: tuple[Any, PageLog], artifacts: Path
) -> None:
    page, log = dashboard
    # Centre the map on one event, close in, and find what is drawn on top at the centre.
    expected = page.evaluate(
        """async () => {
            const map = window.roadsense.map;
            const first = map.queryRenderedFeatures({layers: ['events-circle']})[0];
            const idle = new Promise((resolve) => map.once('idle', resolve));
            map.jumpTo({center: first.geometry.coordinates, zoom: 18});
            await idle;
            const c = map.getCanvas();
            const top = map.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2],
                                                  {layers: ['events-circle']});
            return top.length ? top[0].properties : null;
        }"""
    )
    assert expected is not None, "no event is drawn at the centre of the map"
    canvas = page.locator("#map canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})

    popup = page.locator(".maplibregl-popup-content")
    popup.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(artifacts / "dashboard-popup.png"))
    assert popup.locator("h3").inner_text() == expected["type"]
    text = popup.inner_text()
    assert expected["vehicle"] in text
    for label in ("Time", "Speed", "TTC", "Headway", "Vehicle"):
        assert label in text
    log.assert_clean()


def test_fleet_operator_sees_only_its_fleet(
    browser_context: Any, live_server: LiveServer, artifacts: Path
) -> None:
    import httpx

    from tests.web.conftest import FLEET_KEY, FLEET_VEHICLES

    signed = httpx.post(f"{live_server.url}/v1/session", json={"api_key": FLEET_KEY}, timeout=10)
    signed.raise_for_status()
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    browser_context.add_cookies(
        [
            {
                "name": "roadsense_session",
                "value": signed.cookies["roadsense_session"],
                "url": live_server.url,
            }
        ]
    )
    try:
        page.goto(f"{live_server.url}/")
        page.wait_for_function("() => window.roadsense && window.roadsense.ready", timeout=READY_MS)
        meta = page.evaluate("window.roadsense.meta")
        assert meta["role"] == "fleet_operator"
        page.screenshot(path=str(artifacts / "dashboard-fleet-operator.png"))
        vehicles = page.evaluate(
            """async () => {
                const r = await fetch('v1/panels/events');
                const fc = await r.json();
                return [...new Set(fc.features.map((f) => f.properties.vehicle))];
            }"""
        )
        assert len(vehicles) == FLEET_VEHICLES
        assert page.locator("#layer-list > li").count() == 3  # no city-wide road layers
        assert page.locator("#fleet-label").is_hidden()
        page.locator("#scores-section").wait_for(state="visible")
        subjects = page.locator("#scores details summary").all_inner_texts()
        assert len(subjects) == FLEET_VEHICLES
        assert all(s.split(":")[0] in vehicles for s in subjects)
        assert errors == []
    finally:
        page.close()
        browser_context.clear_cookies()
