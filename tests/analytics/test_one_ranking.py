"""One hotspot ranking: the CLI, the dashboard's APIs and the report rank a store alike.

The same store, read by ``roadsense screen --store --json``, the API's ranked list
(``/v1/panels/top-cells``), the dashboard's map layer (``/v1/panels/hotspots``)
and the monthly report's data, gives the same top 20
cells in the same order with the same figures, with the thresholds of the city's settings
(set here through the environment, as a deployment would). Also the rule itself on rows:
eligibility, the empirical Bayes ranking and its one fallback.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from roadsense.accounts import hash_token
from roadsense.analytics.ranking import SiteRow, rank_sites
from roadsense.city import RankingThresholds
from roadsense.cli.main import app as cli
from roadsense.reports import build_report, parse_month
from roadsense.reports.monthly import HotspotRow
from roadsense.schema import AnyRecord
from roadsense.server.app import create_app
from roadsense.server.settings import Settings
from roadsense.store import open_store
from tests.factories import HELSINKI, batch, event, position

ANALYST_KEY = "rsk_one-ranking-analyst"
SITES = 33
TOP = 20
MIN_VEHICLES = 4
"""Set through ROADSENSE_MIN_VEHICLES: every third site (3 vehicles) is not ranked."""


def _site_cells() -> list[str]:
    """Resolution-10 cells about 400 m apart around the centre of Helsinki."""
    centre = h3.latlng_to_cell(*HELSINKI, 10)
    ring = sorted(h3.grid_disk(centre, 40))
    cells: list[str] = []
    for cell in ring:
        if all(h3.grid_distance(cell, c) >= 6 for c in cells):
            cells.append(cell)
        if len(cells) == SITES:
            break
    assert len(cells) == SITES
    return cells


def _seed(store_url: str, hours_apart: bool = False) -> None:
    """Taxis circling the centres of the sites, one fix every 5 s, within one UTC hour (or,
    ``hours_apart``, each taxi of a site in an hour of its own)."""
    rng = random.Random(11)
    with open_store(store_url) as db:
        db.add_api_key("analyst", hash_token(ANALYST_KEY), "analyst")
        for s, cell in enumerate(_site_cells()):
            lat, lon = h3.cell_to_latlng(cell)
            vehicles = 3 + s % 3
            risk = rng.choice([2.0, 4.0, 8.0, 16.0])
            items: list[AnyRecord] = []
            for v in range(vehicles):
                vehicle = f"taxi-{s:02d}-{v}"
                start = 3600 * v if hours_apart else 0
                fixes = rng.randint(60, 140)  # 1.5 to 3.5 km each at 5 m/s
                items += [
                    position(vehicle, start + 5 * i, lat, lon, speed=5.0) for i in range(fixes)
                ]
                warnings = sum(rng.random() < risk * 0.025 / 5 for _ in range(fixes))
                items += [
                    event(vehicle, start + 5 * i + 1, lat=lat, lon=lon) for i in range(warnings)
                ]
            db.ingest(batch(items))


def _report_figures(row: HotspotRow) -> dict[str, Any]:
    def rounded(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    return {
        "rank": row.rank,
        "cell": row.cell,
        "events": row.observed,
        "vehicle_km": round(row.vehicle_km, 3),
        "vehicles": row.vehicles,
        "rate_per_1000_vkm": round(row.per_1000_vkm, 2),
        "expected": rounded(row.expected),
        "excess": rounded(row.excess),
    }


FIGURES = ("rank", "cell", "events", "vehicle_km", "vehicles", "rate_per_1000_vkm")
EB = ("expected", "excess")


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in (*FIGURES, *EB)}


def test_cli_api_dashboard_and_report_rank_the_same_top_20(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_top_20(store_url, monkeypatch, hours_apart=False)


def test_the_same_top_20_when_taxis_pass_in_different_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_top_20(str(tmp_path / "store.duckdb"), monkeypatch, hours_apart=True)


def _same_top_20(store_url: str, monkeypatch: pytest.MonkeyPatch, hours_apart: bool) -> None:
    monkeypatch.setenv("ROADSENSE_MIN_VEHICLES", str(MIN_VEHICLES))
    _seed(store_url, hours_apart)

    result = CliRunner().invoke(cli, ["screen", "--store", store_url, "--json", "--top", "20"])
    assert result.exit_code == 0, result.output
    screened = json.loads(result.output)
    from_cli = [_figures(r) for r in screened["sites"]]

    with open_store(store_url, read_only=True) as db:
        report = build_report(db, parse_month("2025-06"))
    from_report = [_report_figures(r) for r in report.cells[:TOP]]

    settings = Settings(store=store_url, access_log=False, credential_cache_s=0.0)
    assert settings.min_vehicles == MIN_VEHICLES
    headers = {"Authorization": f"Bearer {ANALYST_KEY}"}
    with TestClient(create_app(settings)) as client:
        api = client.get("/v1/panels/top-cells", params={"limit": TOP}, headers=headers)
        panel = client.get("/v1/panels/hotspots", headers=headers)
    assert api.status_code == 200, api.text
    assert panel.status_code == 200, panel.text
    from_api = [_figures(r) for r in api.json()]
    ranked = [f["properties"] for f in panel.json()["features"] if f["properties"]["rank"]]
    from_panel = [_figures(p) for p in sorted(ranked, key=lambda p: p["rank"])[:TOP]]

    # empirical Bayes (an SPF was fitted), over the sites with enough vehicles only
    assert screened["ranking"] == "excess"
    assert panel.json()["ranking"] == "excess"
    assert len(from_cli) == TOP
    assert all(r["vehicles"] >= MIN_VEHICLES and r["excess"] is not None for r in from_cli)
    assert len({r["events"] for r in from_cli}) > 3  # the sites differ
    assert [r["rank"] for r in from_cli] == list(range(1, TOP + 1))
    # the same sites, in the same order, with the same figures, everywhere
    assert from_api == from_cli
    assert from_panel == from_cli
    assert from_report == from_cli


def test_the_rule_on_rows() -> None:
    rows = [SiteRow(f"s{i:02d}", n, km, 5) for i, (n, km) in enumerate(_counts())]
    rows += [SiteRow("thin", 9, 0.5, 5), SiteRow("lonely", 40, 5.0, 2), SiteRow("dark", 4, 0, 0)]
    ranking = rank_sites(rows, RankingThresholds(min_vehicle_km=1.0, min_vehicles=3))
    assert ranking.method == "excess"
    assert ranking.spf is not None
    ranked = ranking.ranked
    assert {s.site_id for s in ranked} == {r.site_id for r in rows[:12]}
    assert [s.rank for s in ranked] == list(range(1, 13))
    excess = [s.excess for s in ranked]
    assert None not in excess
    assert excess == sorted(excess, key=lambda x: -(x or 0.0))
    unranked = {s.site_id: s for s in ranking.sites if s.rank is None}
    assert set(unranked) == {"thin", "lonely", "dark"}
    assert all(not s.eligible and s.excess is None for s in unranked.values())
    assert unranked["dark"].rate_per_1000_vkm is None

    # too few sites for an SPF: the one fallback, by rate, with no made-up excess
    few = rank_sites(rows[:3], RankingThresholds(min_vehicle_km=1.0, min_vehicles=3))
    assert few.method == "rate"
    assert few.spf is None
    assert few.no_spf_reason
    rates = [s.rate_per_1000_vkm for s in few.ranked]
    assert rates == sorted(rates, key=lambda x: -(x or 0.0))
    assert all(s.expected is None and s.excess is None for s in few.ranked)

    with pytest.raises(ValueError, match="unique"):
        rank_sites([rows[0], rows[0]], RankingThresholds())


def _counts() -> list[tuple[int, float]]:
    rng = random.Random(3)
    return [(rng.randint(0, 30), rng.uniform(1.0, 20.0)) for _ in range(12)]
