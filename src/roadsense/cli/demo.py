"""``roadsense demo``: simulated fleet -> gateways -> ingest API -> DuckDB -> hotspots -> map."""

from __future__ import annotations

import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h3
import httpx
import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.hotspots import cells_along
from roadsense.cli.errors import fail
from roadsense.cli.fleet import load_outboxes, provision, provision_viewer, run_gateways
from roadsense.cli.progress import StageProgress, stage_bars
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.sim import SimConfig, load_ground_truth, run_simulation

console = Console()

HAZARD_TOP_K = 5
"""A planted hazard counts as found when one of its cells is among this many top cells."""


@dataclass
class DemoReport:
    """What the demo found, for the summary and for tests."""

    summary: dict[str, Any]
    hotspots: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    ranked_cells: int
    """Cells with enough exposure to be ranked."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    viewer_key: str = ""
    """An analyst API key for the dashboard (sign in at /signin#key=...)."""

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
) -> DemoReport:
    """Simulate, decode each vehicle's logs with its gateway's decoder, upload through one
    gateway per vehicle, and read the results back.

    The server is started here and left running; the caller stops it.
    """
    seconds: dict[str, float] = {}
    t = time.monotonic()
    result = run_simulation(sim_config, progress)
    seconds["simulate"] = time.monotonic() - t

    t = time.monotonic()
    creds = provision(server.store, result.vehicle_ids)
    viewer_key = provision_viewer(server.store)
    server.start()
    outboxes = workdir / "outbox"
    decode_t = time.monotonic()
    load_outboxes(
        sim_config.out_dir,
        outboxes,
        creds,
        server.url,
        progress=lambda done, total: progress("decode", done, total),
    )
    seconds["decode"] = time.monotonic() - decode_t
    run_gateways(
        outboxes,
        creds,
        server.url,
        workers=workers,
        progress=lambda done, total: progress("upload", done, total),
    )
    seconds["upload"] = time.monotonic() - t - seconds["decode"]

    t = time.monotonic()
    progress("analyse", 0, 2)
    with httpx.Client(
        base_url=server.url, timeout=60.0, headers={"Authorization": f"Bearer {viewer_key}"}
    ) as client:
        # fresh: the dashboard's cube rebuilt now, with every upload in it
        summary = _get(client, "/v1/panels/summary", params={"fresh": "true"})
        progress("analyse", 1, 2)
        ranked = _get(client, "/v1/panels/top-cells", params={"limit": 1000})
    top = ranked[:10]
    truth = load_ground_truth(sim_config.out_dir)
    top_k = {row["cell"] for row in ranked[:HAZARD_TOP_K]}
    resolution = _resolution(top)
    hazards = []
    for hazard in truth.hazards:
        cells: set[str] = set()
        for line in hazard.polylines if resolution else []:
            cells |= cells_along(line, resolution or 0)
        ranks = [row["rank"] for row in ranked if row["cell"] in cells]
        hazards.append(
            {
                "id": hazard.hazard_id,
                "osm_way_ids": hazard.osm_way_ids,
                "found": bool(cells & top_k),
                "best_rank": min(ranks) if ranks else None,
            }
        )
    progress("analyse", 2, 2)
    seconds["analyse"] = time.monotonic() - t
    return DemoReport(
        summary=summary,
        hotspots=top,
        hazards=hazards,
        ranked_cells=len(ranked),
        stage_seconds=seconds,
        viewer_key=viewer_key,
    )


def _get(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Any:
    response = client.get(path, params=params)
    response.raise_for_status()
    return response.json()


def _resolution(top: list[dict[str, Any]]) -> int | None:
    if not top:
        return None
    return int(h3.get_resolution(top[0]["cell"]))


def print_report(report: DemoReport, wall_s: float) -> None:
    """The demo's summary on the console."""
    s = report.summary
    console.print(
        f"\n[bold]{s['vehicles']}[/] vehicles, [bold]{s['positions']:,}[/] positions, "
        f"[bold]{s['events']:,}[/] events, [bold]{s['vehicle_km']:,.1f}[/] vehicle-km "
        f"in {s['batches']:,} batches"
    )
    events = Table("event type", "count", title="Events by type")
    for kind, count in sorted(s["events_by_type"].items()):
        events.add_row(kind, f"{count:,}")
    console.print(events)
    top = Table(title=f"Top 10 of {report.ranked_cells} ranked cells (docs/hotspots.md)")
    for name in ("rank", "H3 cell", "lat", "lon", "events", "veh-km", "rate", "excess"):
        top.add_column(name, no_wrap=True, justify="left" if name == "H3 cell" else "right")
    for row in report.hotspots:
        top.add_row(
            str(row["rank"]),
            row["cell"],
            f"{row['lat']:.5f}",
            f"{row['lon']:.5f}",
            f"{row['events']:,}",
            f"{row['vehicle_km']:.1f}",
            f"{row['rate_per_1000_vkm']:,.0f}",
            "-" if row.get("excess") is None else f"{row['excess']:+.1f}",
        )
    console.print(top)
    hazards = Table(
        "planted hazard", f"found in top {HAZARD_TOP_K}", "best rank", title="Ground truth"
    )
    for h in report.hazards:
        ways = ", ".join(str(w) for w in h["osm_way_ids"])
        hazards.add_row(
            f"{h['id']} (OSM way {ways})",
            "[green]yes[/]" if h["found"] else "[red]no[/]",
            str(h["best_rank"] or "-"),
        )
    console.print(hazards)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in report.stage_seconds.items())
    console.print(f"done in {wall_s:.1f} s ({stages})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def demo(
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Keep serving the dashboard after the run."
    ),
    workdir: Path = typer.Option(Path("var/demo"), "--workdir", help="Folder for all outputs."),
    roads: Path | None = typer.Option(None, "--roads", help="OSM .pbf (default: Helsinki)."),
    vehicles: int = typer.Option(100, "--vehicles", min=1, help="Simulated taxis."),
    hours: float = typer.Option(2.0, "--hours", min=0.01, help="Simulated hours."),
    gps_sigma: float = typer.Option(5.0, "--gps-sigma", min=0.0, help="GPS noise, metres."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    port: int = typer.Option(8000, "--port", help="Dashboard port (with --serve)."),
) -> None:
    """Run the whole pipeline on a simulated fleet; then serve the map (or print and exit)."""
    if roads is not None and not roads.is_file():
        fail(f"OSM file not found: {roads}")
    signal.signal(signal.SIGTERM, _interrupt)
    start = time.monotonic()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    sim_config = SimConfig(
        out_dir=workdir / "sim",
        roads=roads,
        vehicles=vehicles,
        duration_s=round(hours * 3600),
        gps_sigma_m=gps_sigma,
        seed=seed,
    )
    server = ServerProcess(
        workdir / "roadsense.duckdb",
        port if serve else free_port(),
        roads=roads,
        log_file=workdir / "server.log",
    )
    try:
        with stage_bars(console) as progress:
            report = run_pipeline(workdir, sim_config, server, progress)
        print_report(report, time.monotonic() - start)
        if serve:
            console.print(
                f"\n[bold green]Dashboard:[/] {server.url}/signin#key={report.viewer_key}\n"
                "  (that link signs you in with a demo analyst API key; Ctrl-C to stop)"
            )
            server.wait()
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        server.stop()
