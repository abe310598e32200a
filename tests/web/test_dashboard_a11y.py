"""The dashboard in Korean and English, and by keyboard alone (real Chromium, real server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.conftest import CHROMIUM, LiveServer
from tests.web.test_dashboard_browser import READY_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is absent (Debian: apt-get install chromium)",
    ),
]

WAIT_READY = "() => window.roadsense && (window.roadsense.ready || window.roadsense.error)"


def _wait_ready(page: Any) -> None:
    page.wait_for_function(WAIT_READY, timeout=READY_MS)
    assert page.evaluate("window.roadsense.error") is None


@pytest.fixture
def page(browser_context: Any, live_server: LiveServer) -> Iterator[Any]:
    """The analyst's dashboard, drawn, in English; the language is reset afterwards."""
    browser_context.add_cookies(
        [{"name": "roadsense_session", "value": live_server.session, "url": live_server.url}]
    )
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.url} {r.status}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/")
    page.evaluate("localStorage.setItem('roadsense.lang', 'en')")
    page.reload()
    _wait_ready(page)
    try:
        yield page
        assert errors == []
    finally:
        page.evaluate("localStorage.removeItem('roadsense.lang')")
        page.close()


def _texts(page: Any) -> dict[str, str]:
    """The visible labels a user reads first."""
    texts: dict[str, str] = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            eventType: document.querySelector('label:has(#event-type) span').textContent,
            apply: document.getElementById('apply').textContent,
            top: document.getElementById('top-title').textContent,
            layers: document.getElementById('layers-title').textContent,
            firstLayer: document.querySelector('#layer-list label').textContent.trim(),
            vehicles: document.querySelector('#summary dt').textContent,
            status: document.getElementById('status').textContent,
            mapLabel: document.getElementById('map').getAttribute('aria-label'),
        })"""
    )
    return texts


def test_switching_to_korean_translates_the_page_and_persists(page: Any) -> None:
    english = _texts(page)
    assert english["lang"] == "en"
    assert english["eventType"] == "Event type"
    assert english["top"] == "Top 20 hotspots"

    # choose Korean with the keyboard: focus the switch, move to the next option
    page.focus("#lang")
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
    _wait_ready(page)
    korean = _texts(page)
    assert korean == {
        "lang": "ko",
        "eventType": "이벤트 유형",
        "apply": "적용",
        "top": "상위 20개 다발 지점",
        "layers": "레이어",
        "firstLayer": "아차사고 다발 지점 (EB 초과)",
        "vehicles": "차량",
        "status": korean["status"],
        "mapLabel": korean["mapLabel"],
    }
    assert korean["status"].startswith("이벤트 "), korean["status"]
    assert korean["mapLabel"] != english["mapLabel"]
    assert page.get_by_role("button", name="적용").is_visible()

    page.reload()  # the choice is kept (localStorage)
    _wait_ready(page)
    assert _texts(page)["top"] == "상위 20개 다발 지점"
    assert page.locator("#lang").input_value() == "ko"

    page.select_option("#lang", "en")  # and back
    _wait_ready(page)
    assert _texts(page)["top"] == "Top 20 hotspots"


def _focused(page: Any) -> str:
    """What has the keyboard focus: '#id', 'top:N' for a top-20 button, or the tag name."""
    found: str = page.evaluate(
        """() => {
            const a = document.activeElement;
            if (!a) return '';
            if (a.closest('#top-cells')) {
                return 'top:' + [...document.querySelectorAll('#top-cells button')].indexOf(a);
            }
            return a.id ? '#' + a.id : a.tagName.toLowerCase();
        }"""
    )
    return found


def test_tab_reaches_every_control_and_enter_moves_the_map(page: Any) -> None:
    layers = page.locator("#layer-list input").evaluate_all("(xs) => xs.map((x) => '#' + x.id)")
    wanted = {
        "#lang",
        "#event-type",
        "#since",
        "#until",
        "#hour-from",
        "#hour-to",
        "#fleet",
        "#apply",
        "#map",
        *layers,
        "top:0",
    }
    page.locator("body").focus()
    seen: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = _focused(page)
        seen.append(focused)
        if focused == "top:0":
            break
    assert wanted <= set(seen), f"not reached by Tab: {wanted - set(seen)}"
    order = [x for x in dict.fromkeys(seen) if x in wanted]
    assert order.index("#lang") < order.index("#event-type") < order.index("#apply")
    assert order.index("#apply") < order.index(layers[0]) < order.index("top:0")

    # Space on a layer toggle switches that layer (density is off at first)
    page.focus("#layer-density")
    page.keyboard.press("Space")
    visibility = "window.roadsense.map.getLayoutProperty('density-fill', 'visibility')"
    assert page.evaluate(visibility) == "visible"

    # Enter on the first top-20 button flies the map to that cell
    target = page.evaluate(
        """async () => {
            const fc = await (await fetch('v1/panels/hotspots')).json();
            const f = fc.features.find((x) => x.properties.rank === 1);
            return [f.properties.lon, f.properties.lat];
        }"""
    )
    before = page.evaluate("window.roadsense.map.getCenter().toArray()")
    page.focus("#top-cells button >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_function(
        """(t) => {
            const map = window.roadsense.map;
            const c = map.getCenter();
            const near = Math.abs(c.lng - t[0]) < 1e-4 && Math.abs(c.lat - t[1]) < 1e-4;
            return !map.isMoving() && near;
        }""",
        arg=target,
        timeout=15_000,
    )
    after = page.evaluate("window.roadsense.map.getCenter().toArray()")
    assert after != pytest.approx(before, abs=1e-5)
    assert after == pytest.approx(target, abs=1e-4)
    assert page.locator(".maplibregl-popup-content").is_visible()


@pytest.fixture
def rate_page(browser_context: Any, rate_only_server: LiveServer) -> Iterator[Any]:
    """The analyst's dashboard on the server whose cells are too few for an SPF."""
    browser_context.add_cookies(
        [
            {
                "name": "roadsense_session",
                "value": rate_only_server.session,
                "url": rate_only_server.url,
            }
        ]
    )
    page = browser_context.new_page()
    page.goto(f"{rate_only_server.url}/")
    page.evaluate("localStorage.setItem('roadsense.lang', 'en')")
    page.reload()
    _wait_ready(page)
    try:
        yield page
    finally:
        page.close()


def test_top20_says_ranked_by_rate_when_no_spf_fits(
    rate_page: Any, rate_only_server: LiveServer
) -> None:
    """Four eligible cells cannot support an SPF (it needs ten): the server ranks by rate
    and sends no excess, and the table says so instead of "excess 0"."""
    page = rate_page
    hotspots = httpx.get(
        f"{rate_only_server.url}/v1/panels/hotspots",
        cookies={"roadsense_session": rate_only_server.session},
        timeout=30,
    ).json()
    assert hotspots["ranking"] == "rate"
    ranked = sorted(
        (f["properties"] for f in hotspots["features"] if f["properties"]["rank"]),
        key=lambda p: p["rank"],
    )
    assert 0 < len(ranked) < 10
    assert all(p["excess"] is None and p["expected"] is None for p in ranked)
    rates = [p["rate_per_1000_vkm"] for p in ranked]
    assert rates == sorted(rates, reverse=True)

    assert page.evaluate("window.roadsense.ranking") == "rate"
    texts = page.locator("#top-cells button").all_inner_texts()
    assert len(texts) == len(ranked)
    assert not any("excess" in x for x in texts), texts
    assert all("/ 1,000 vkm" in x for x in texts), texts
    assert "Ranked by rate" in page.locator("#top-note").inner_text()
    assert page.locator("#top-note").is_visible()
