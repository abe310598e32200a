"""``roadsense``: the command line of the city platform and the gateway."""

from __future__ import annotations

import logging

import typer

from roadsense import __version__
from roadsense.cli import adas, demo, devices, evaluate, screen, serve, sim
from roadsense.cli import admin as admin_cli
from roadsense.cli import analyze as analyze_cli
from roadsense.cli import crashes as crashes_cli
from roadsense.cli import edge as edge_cli
from roadsense.cli import export as export_cli
from roadsense.cli import match as match_cli
from roadsense.cli import roads as roads_cli
from roadsense.cli import scores as scores_cli
from roadsense.cli import store as store_cli
from roadsense.cli.report import report_command

app = typer.Typer(
    name="roadsense",
    help="Turn a city's ADAS-equipped taxis into a road-safety sensor network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.command("demo", help="Simulate a taxi fleet end to end and show the hotspot map.")(demo.demo)
app.command("serve", help="Run the ingest API and the dashboard.")(serve.serve_command)
app.command("sim", help="Simulate a taxi fleet on a real OSM network (SUMO).")(sim.sim_command)
app.add_typer(devices.app, name="devices", help="Provision, list and revoke gateway devices.")
app.add_typer(store_cli.app, name="store", help="Migrate, inspect and prune the store.")
app.add_typer(admin_cli.app, name="admin", help="Fleets, vehicles, drivers, API keys and users.")
app.add_typer(edge_cli.app, name="edge", help="The in-vehicle gateway: decode CAN, GPS, IMU.")
app.command("screen", help="Rank sites by empirical Bayes excess (network screening).")(
    screen.screen_command
)
app.add_typer(evaluate.app, name="evaluate", help="Did a site treatment, or live warnings, help?")
app.command("analyze", help="Run every safety analysis on the store and record the run.")(
    analyze_cli.analyze_command
)
app.add_typer(crashes_cli.app, name="crashes", help="Import police crashes; check near misses.")
app.add_typer(scores_cli.app, name="scores", help="Driver scores and coaching summaries.")
app.add_typer(export_cli.app, name="export", help="Open data with small-count suppression.")
app.add_typer(adas.app, name="adas", help="Run the software warning engine on recorded tracks.")
app.command("match", help="Put a CSV of positions on the OSM road network (Valhalla).")(
    match_cli.match_command
)
app.add_typer(roads_cli.app, name="roads", help="OSM road network, map matching, road products.")
app.command("report", help="The monthly report for the city (HTML or PDF).")(report_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"roadsense {__version__}")
        raise typer.Exit


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Turn a city's ADAS-equipped taxis into a road-safety sensor network."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


if __name__ == "__main__":  # pragma: no cover
    app()
