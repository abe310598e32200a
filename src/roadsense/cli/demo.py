"""``roadsense demo``: the whole product on a simulated city, and what it found there.

Simulated fleet -> gateways -> ingest API -> DuckDB; then the product steps of
:mod:`roadsense.cli.demo_product` (roads, matching, screening, speeds, signs, potholes,
device health, roll-out evaluation, report, open data) and the comparison with what the
simulation planted (:mod:`roadsense.cli.demo_truth`), printed and, with ``--json``, written.
The city's hours are counted in its time zone (:func:`demo_city`).
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from roadsense.city import CitySettings
from roadsense.cli.analyze import segment_table
from roadsense.cli.demo_product import (
    ProductRun,
    StageClock,
    cpu_seconds,
    import_roads,
    run_product,
)
from roadsense.cli.demo_truth import ROLLOUT_PLAN_FILE, found_vs_planted
from roadsense.cli.errors import fail
from roadsense.cli.fleet import decode_and_upload, provision, provision_viewer
from roadsense.cli.progress import StageProgress, stage_bars
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.roads.extracts import bundled_extract
from roadsense.sim import SimConfig, SimError, load_ground_truth, run_simulation

console = Console()

HAZARD_TOP_K = 10
"""A planted hazard counts as found when one of its sites is among this many top sites (of
the 80 or more the default demo ranks). With the simulated fleet warning at published
rates (about 14 ADAS warnings per 100 km, not 450), the default demo's 600 vehicle-km give
a few dozen events: two of its three hazards rank in the top 5, the third 6th to 8th
(docs/simulation.md); a larger run (``--vehicles``, ``--hours``) separates them further."""
DEFAULT_VEHICLES = 40
"""Taxis of the default demo: with :data:`DEFAULT_DAYS` of :data:`DEFAULT_HOURS`, about
600 vehicle-km in under 150 s on two cores (docs/simulation.md, "The demo's size and
time")."""
DEFAULT_HOURS = 0.5
"""Simulated hours of each day of the default demo."""
DEFAULT_DAYS = 2
"""Days of the default demo: a silent day, then the roll-out's waves live on the second,
so that the demo's roll-out has something to estimate."""
DEFAULT_BACKGROUND = 150
"""Other traffic of the default demo (leaders for the taxis to follow)."""
BUNDLED_TIME_ZONE = "Europe/Helsinki"
"""The time zone of the bundled extract the demo runs on by default (Helsinki centre)."""


def demo_city(roads: Path | None, tz: str | None = None) -> CitySettings:
    """The demo city's settings: ``--tz`` if given, else ``ROADSENSE_TIME_ZONE`` if set,
    else Helsinki's zone for the bundled Helsinki extract (the configured default
    otherwise). Raises ``ValueError`` for an unknown zone."""
    try:
        if tz is not None:
            return CitySettings(time_zone=tz)
        settings = CitySettings()
        if roads is None and "time_zone" not in settings.model_fields_set:
            return CitySettings(time_zone=BUNDLED_TIME_ZONE)
        return settings
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise ValueError(problems) from exc


@dataclass
class DemoReport:
    """What the demo found, for the summary and for tests."""

    summary: dict[str, Any]
    hotspots: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    ranked_cells: int
    """Cells with enough exposure to be ranked."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU seconds per stage (this process and the children it waited for)."""
    viewer_key: str = ""
    """An analyst API key for the dashboard (sign in at /signin#key=...)."""
    product: ProductRun | None = None
    """The product steps after the upload (None when the pipeline ran without them)."""
    found: dict[str, Any] = field(default_factory=dict)
    """Found vs planted (:func:`roadsense.cli.demo_truth.found_vs_planted`), ``seconds``
    being the pipeline's."""
    dashboard_time_zone: str = ""
    """The time zone the dashboard counts hours and days in (its ``/v1/panels/meta``)."""

    @property
    def all_hazards_found(self) -> bool:
        """Whether every planted hazard is among the top cells."""
        return all(h["found"] for h in self.hazards)


def run_pipeline(
    workdir: Path,
    sim_config: SimConfig,
    server: ServerProcess,
    progress: StageProgress,
    *,
    workers: int = 8,
    city: CitySettings | None = None,
    product: bool = True,
) -> DemoReport:
    """Simulate, decode each vehicle's logs with its gateway's decoder, upload through one
    gateway per vehicle, read the dashboard's figures; then (``product``) run every
    product step on the store and compare with what the simulation planted.

    The server is started here and stopped before the product steps (which need the
    store to themselves) when ``product``; else it is left running. The caller stops it.
    """
    city = city or demo_city(sim_config.roads)
    server.env["ROADSENSE_TIME_ZONE"] = city.time_zone  # the dashboard's hours: the city's
    started = time.monotonic()
    clock = StageClock()
    result = run_simulation(sim_config, progress)
    clock.lap("simulate")
    creds = provision(server.store, result.vehicle_ids)
    viewer_key = provision_viewer(server.store)
    roads = None
    if product:
        # the city's map: the extract the taxis drove on, less the limits the run removed
        city_map = result.city_map or sim_config.roads or bundled_extract()
        roads = import_roads(Path(server.store), city_map, progress)
        clock.lap("roads")
    server.start()
    decode_and_upload(
        sim_config.out_dir,
        workdir / "outbox",
        creds,
        server.url,
        upload_workers=workers,
        decoded=lambda done, total: progress("decode", done, total),
        uploaded=lambda done, total: progress("upload", done, total),
    )
    clock.lap("decode+upload")
    progress("analyse", 0, 2)
    with httpx.Client(
        base_url=server.url, timeout=60.0, headers={"Authorization": f"Bearer {viewer_key}"}
    ) as client:
        # fresh: the dashboard's cube rebuilt now, with every upload in it
        summary = _get(client, "/v1/panels/summary", params={"fresh": "true"})
        progress("analyse", 1, 2)
        ranked = _get(client, "/v1/panels/top-cells", params={"limit": 1000})
        dashboard_tz = str(_get(client, "/v1/panels/meta")["tz"])
    progress("analyse", 2, 2)
    clock.lap("dashboard")
    run = None
    if roads is not None:
        server.stop()
        clock.lap("server")  # its CPU counts once it is waited for: the ingest's
        run = run_product(
            Path(server.store),
            roads,
            workdir,
            city,
            sim_config.start_time,
            sim_config.out_dir / ROLLOUT_PLAN_FILE,
            gps_sigma_m=sim_config.gps_sigma_m,
            progress=progress,
        )
        clock.wall.update(run.clock.wall)
        clock.cpu.update(run.clock.cpu)
    truth = load_ground_truth(sim_config.out_dir)
    found = found_vs_planted(
        sim_config.out_dir,
        truth,
        summary,
        ranked,
        run,
        time.monotonic() - started,
        city.time_zone,
    )
    top_k = HAZARD_TOP_K
    hazards = [
        {
            **h,
            "found": h["cell_rank"] is not None and h["cell_rank"] <= top_k,
        }
        for h in found["hazards"]
    ]
    return DemoReport(
        summary=summary,
        hotspots=ranked[:10],
        hazards=hazards,
        ranked_cells=len(ranked),
        stage_seconds=clock.wall,
        stage_cpu_seconds=clock.cpu,
        viewer_key=viewer_key,
        product=run,
        found=found,
        dashboard_time_zone=dashboard_tz,
    )


def _get(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Any:
    response = client.get(path, params=params)
    response.raise_for_status()
    return response.json()


def print_report(report: DemoReport, wall_s: float) -> None:
    """The demo's summary on the console: the data, the top sites, found vs planted."""
    s = report.summary
    run = report.product
    console.print(
        f"\n[bold]{s['vehicles']}[/] vehicles, [bold]{s['positions']:,}[/] positions, "
        f"[bold]{s['events']:,}[/] events, [bold]{s['vehicle_km']:,.1f}[/] vehicle-km "
        f"in {s['batches']:,} batches (hours in {report.found.get('time_zone')})"
    )
    events = Table("event type", "count", "per 100 km", title="Events by type")
    km = max(float(s["vehicle_km"]), 1e-9)
    for kind, count in sorted(s["events_by_type"].items()):
        events.add_row(kind, f"{count:,}", f"{100.0 * count / km:.2f}")
    console.print(events)
    top = Table(title=f"Top 10 of {report.ranked_cells} ranked cells (docs/hotspots.md)")
    for name in ("rank", "place", "events", "veh-km", "rate", "excess"):
        top.add_column(
            name, no_wrap=name != "place", justify="left" if name == "place" else "right"
        )
    for row in report.hotspots:
        place = run.places.point(row["lon"], row["lat"]) if run else row["cell"]
        top.add_row(
            str(row["rank"]),
            place,
            f"{row['events']:,}",
            f"{row['vehicle_km']:.1f}",
            f"{row['rate_per_1000_vkm']:,.0f}",
            "-" if row.get("excess") is None else f"{row['excess']:+.1f}",
        )
    console.print(top)
    if run is not None:
        _print_product(run)
    _print_found(report)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in report.stage_seconds.items())
    console.print(f"done in {wall_s:.1f} s ({stages})")
    cpu = ", ".join(f"{k} {v:.1f} s" for k, v in report.stage_cpu_seconds.items())
    console.print(f"CPU {cpu_seconds():.1f} s ({cpu})")


def _print_product(run: ProductRun) -> None:
    segments = run.analysis.segment_screening
    if segments is not None and segments.segments:
        table = segment_table(segments.segments, 5)
        console.print(table)
    spf = run.analysis.screenings["ALL"].spf if "ALL" in run.analysis.screenings else None
    if spf is not None:
        console.print(
            f"cell SPF: count ~ vehicle-km^{spf.exposure_coef:.2f}, "
            f"overdispersion k = {spf.overdispersion:.3f}"
        )
    m = run.match
    console.print(
        f"roads: {run.network.segments} segments, {run.network.junctions} junctions; "
        f"matched {m.matched:,}/{m.fixes:,} positions, {m.events_matched:,}/{m.events:,} "
        f"events; exposure on {run.exposure_segments} segments; speeds for "
        f"{len({x.segment_id for x in run.speeds})} segments; {len(run.signs)} signs "
        f"({len(run.mismatches)} differ from the map); {len(run.potholes)} potholes"
    )
    console.print(f"report {run.report}; open data in {run.report.parent / 'open-data'}")
    for note in run.analysis.notes:
        console.print(f"[yellow]note:[/] {note}")
    for kind, why in run.rollout_problems.items():
        console.print(f"[yellow]roll-out {kind}:[/] {why}")


def _print_found(report: DemoReport) -> None:
    found = report.found
    table = Table("planted", "found", title="Found vs planted (ground truth)")
    for h in report.hazards:
        table.add_row(
            f"hazard {h['id']} ({h.get('place') or 'OSM way ' + str(h['osm_way_ids'][0])})",
            f"{'[green]' if h['found'] else '[red]'}best rank {h['best_rank'] or '-'}[/] "
            f"(cell {h['cell_rank'] or '-'}, segment {h['segment_rank'] or '-'})",
        )
    for r in found.get("rollout", []):
        table.add_row(
            f"roll-out {r['event_type']}: planted {_num(r['planted_rate_ratio'])}, "
            f"true {_num(r.get('true_rate_ratio'))}",
            f"{_num(r['rate_ratio'])} ({_num(r['ci_low'])}-{_num(r['ci_high'])})",
        )
    sp = found.get("speeds", {})
    table.add_row(
        f"speeds on {sp.get('segments', 0)} segments vs SUMO",
        f"mean abs error {_num(sp.get('mean_abs_error_kmh'))} km/h "
        f"({sp.get('ways_compared', 0)} ways)",
    )
    for key, label, hit in (
        ("signs", "signs that differ from OSM", "found"),
        ("potholes", "potholes", "found"),
        ("lanes", "worn lane markings", "found"),
    ):
        part = found.get(key, {})
        table.add_row(f"{label}: {part.get('planted', 0)}", f"{part.get(hit, 0)}")
    dev = found.get("devices", {})
    table.add_row(
        f"device faults: {dev.get('planted_faults', 0)}", f"{dev.get('flagged', 0)} flagged"
    )
    _conflict_rows(table, found.get("conflicts", {}))
    console.print(table)


def _conflict_rows(table: Table, c: Mapping[str, Any]) -> None:
    """SUMO's SSM conflicts against the ranked cells (``found["conflicts"]``)."""
    if not c.get("ssm"):
        return
    k = c.get("top_k")
    table.add_row(
        f"SSM conflicts: {c.get('conflicts', 0)} "
        f"({_num(c.get('per_km_on_hazards'))} per km on hazards, "
        f"{_num(c.get('per_km_elsewhere'))} elsewhere)",
        f"{c.get('in_top_cells', 0)} in the top {k} cells "
        f"({_num(c.get('top_cells_share'))} of all); Spearman warnings vs conflicts "
        f"{_num(c.get('spearman_warnings'))} (p {_num(c.get('spearman_p'))})",
    )
    v = c.get("validation")
    if v:
        table.add_row(
            f"SSM vs warning rate ({v['sites']} cells)",
            f"Spearman {_num(v['spearman_rate'])}, top-{k} overlap {_num(v['top_k_overlap'])}, "
            f"conflicts x{_num(v['conflict_ratio_per_doubling'])} per doubling "
            f"({_num(v['ci_low'])}-{_num(v['ci_high'])})",
        )
    for h in c.get("hazards", []):
        table.add_row(
            f"hazard {h['id']}: {h['conflicts']} SSM conflicts",
            f"{'[green]' if h['ssm_top'] else '[red]'}SSM rank {h['ssm_rank'] or '-'}[/]",
        )


def _num(value: object) -> str:
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def demo(
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Keep serving the dashboard after the run."
    ),
    workdir: Path = typer.Option(Path("var/demo"), "--workdir", help="Folder for all outputs."),
    roads: Path | None = typer.Option(None, "--roads", help="OSM .pbf (default: Helsinki)."),
    vehicles: int = typer.Option(DEFAULT_VEHICLES, "--vehicles", help="Simulated taxis."),
    hours: float = typer.Option(DEFAULT_HOURS, "--hours", help="Simulated hours."),
    days: int = typer.Option(
        DEFAULT_DAYS,
        "--days",
        help="Simulated days of --hours each; every unit is silent on the first, the "
        "roll-out's waves go live from the second (1: no roll-out to evaluate).",
    ),
    background: int = typer.Option(
        DEFAULT_BACKGROUND,
        "--background",
        help="Other traffic that reports nothing (leaders to follow).",
    ),
    gps_sigma: float = typer.Option(5.0, "--gps-sigma", help="GPS noise, metres."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    port: int = typer.Option(8000, "--port", help="Dashboard port (with --serve)."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write found vs planted (and the run's size) as JSON."
    ),
    tz: str | None = typer.Option(
        None,
        "--tz",
        help="The city's time zone (default: ROADSENSE_TIME_ZONE, else Europe/Helsinki "
        "for the bundled Helsinki extract).",
    ),
) -> None:
    """Run the whole pipeline on a simulated fleet; then serve the map (or print and exit)."""
    if roads is not None and not roads.is_file():
        fail(f"OSM file not found: {roads}")
    try:
        city = demo_city(roads, tz)
    except ValueError as exc:
        fail(f"--tz: {exc}")
    if not hours * 3600 >= 1:  # also NaN
        fail(f"--hours must be at least 1 s (0.0003), got {hours}")
    try:
        sim_config = SimConfig(
            out_dir=workdir / "sim",
            roads=roads,
            vehicles=vehicles,
            background_vehicles=background,
            duration_s=round(hours * 3600),
            days=days,
            gps_sigma_m=gps_sigma,
            seed=seed,
            write_truth_positions=True,  # SUMO's speeds, for the speeds' found vs planted
        )
    except SimError as exc:  # checked before the workdir is cleared
        fail(f"bad simulation option: {exc}")
    signal.signal(signal.SIGTERM, _interrupt)
    start = time.monotonic()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    server = ServerProcess(
        workdir / "roadsense.duckdb",
        port if serve else free_port(),
        roads=roads,
        log_file=workdir / "server.log",
    )
    try:
        with stage_bars(console) as progress:
            report = run_pipeline(workdir, sim_config, server, progress, city=city)
        wall = time.monotonic() - start
        print_report(report, wall)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            payload = {
                **report.found,
                "seconds": round(wall, 1),
                "cpu_seconds": round(cpu_seconds(), 1),
                "stages_cpu_seconds": {k: round(v, 1) for k, v in report.stage_cpu_seconds.items()},
            }
            json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
            console.print(f"wrote {json_out}")
        if serve:
            if report.product is not None:  # stopped for the product steps
                server.start()
            console.print(
                f"\n[bold green]Dashboard:[/] {server.url}/signin#key={report.viewer_key}\n"
                "  (that link signs you in with a demo analyst API key; Ctrl-C to stop)"
            )
            server.wait()
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        server.stop()
