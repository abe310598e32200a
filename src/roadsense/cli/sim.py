"""``roadsense sim``: simulate a taxi fleet on a real OSM network."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.cli.errors import fail
from roadsense.cli.progress import stage_bars
from roadsense.sim import SimConfig, SimError, run_simulation
from roadsense.sim.cyclists import CYCLISTS_PER_HOUR

console = Console()


def sim_command(
    out: Path = typer.Option(Path("var/sim"), "--out", help="Folder for the outputs."),
    roads: Path | None = typer.Option(
        None, "--roads", help="OSM .pbf extract (default: Helsinki centre, bundled)."
    ),
    vehicles: int = typer.Option(100, "--vehicles", help="Taxis that report."),
    hours: float = typer.Option(2.0, "--hours", help="Simulated hours per day."),
    days: int = typer.Option(1, "--days", help="Simulated days (roll-out waves need 2+)."),
    gps_sigma: float = typer.Option(5.0, "--gps-sigma", help="GPS noise, metres."),
    seed: int = typer.Option(42, "--seed", help="Random seed (same seed, same output)."),
    cyclists_per_hour: float = typer.Option(
        CYCLISTS_PER_HOUR,
        "--cyclists-per-hour",
        help="Cyclists riding ahead of taxis, per hour, in the whole city (0: none).",
    ),
) -> None:
    """Simulate a taxi fleet with SUMO: each taxi's CAN, GPS and IMU logs, and the ground truth."""
    if roads is not None and not roads.is_file():
        fail(f"OSM file not found: {roads}")
    try:
        config = SimConfig(
            out_dir=out,
            roads=roads,
            vehicles=vehicles,
            duration_s=round(hours * 3600),
            days=days,
            gps_sigma_m=gps_sigma,
            seed=seed,
            cyclists_per_hour=cyclists_per_hour,
        )
        with stage_bars(console) as progress:
            result = run_simulation(config, progress)
    except SimError as exc:
        fail(str(exc))
    table = Table(
        "events",
        "count",
        title=f"{len(result.vehicle_ids)} taxis, "
        f"{result.positions:,} positions, written to {result.out_dir}",
    )
    for kind, count in sorted(result.events_by_type.items()):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    if result.city_map is not None:
        console.print(
            f"the city's map (a planted sign's street has no limit in it): {result.city_map}; "
            "import it with `roadsense roads import`"
        )
