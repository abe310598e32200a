"""``roadsense``: the command line of the city platform and the gateway.

Every subcommand is listed in ``COMMANDS`` and imported only when it runs (see
``roadsense.cli.lazy``), so ``roadsense --help`` and the gateway's ``roadsense edge run``
start at once and the gateway installs without the city platform's libraries.
"""

from __future__ import annotations

import logging

import typer

from roadsense import __version__
from roadsense.cli.lazy import Extra, LazyCommand, LazyGroup

CITY = Extra("city", "the city platform")
SIM = Extra("sim", "the simulator")
REPORTS = Extra("reports", "the reports")
ALL = Extra("all", "the simulator and the city platform")

COMMANDS = (
    LazyCommand(
        "demo",
        "roadsense.cli.demo:demo",
        "Simulate a taxi fleet end to end and show the hotspot map.",
        ALL,
    ),
    LazyCommand(
        "serve", "roadsense.cli.serve:serve_command", "Run the ingest API and the dashboard.", CITY
    ),
    LazyCommand(
        "sim",
        "roadsense.cli.sim:sim_command",
        "Simulate a taxi fleet on a real OSM network (SUMO).",
        SIM,
    ),
    LazyCommand(
        "devices", "roadsense.cli.devices:app", "Provision, list and revoke gateway devices.", CITY
    ),
    LazyCommand("store", "roadsense.cli.store:app", "Migrate, inspect and prune the store.", CITY),
    LazyCommand(
        "admin", "roadsense.cli.admin:app", "Fleets, vehicles, drivers, API keys and users.", CITY
    ),
    LazyCommand("edge", "roadsense.cli.edge:app", "The in-vehicle gateway: decode CAN, GPS, IMU."),
    LazyCommand(
        "screen",
        "roadsense.cli.screen:screen_command",
        "Rank sites by empirical Bayes excess (network screening).",
        CITY,
    ),
    LazyCommand(
        "evaluate",
        "roadsense.cli.evaluate:app",
        "Did a site treatment, or live warnings, help?",
        CITY,
    ),
    LazyCommand(
        "analyze",
        "roadsense.cli.analyze:analyze_command",
        "Run every safety analysis on the store and record the run.",
        CITY,
    ),
    LazyCommand(
        "crashes", "roadsense.cli.crashes:app", "Import police crashes; check near misses.", CITY
    ),
    LazyCommand(
        "scores", "roadsense.cli.scores:app", "Driver scores and coaching summaries.", CITY
    ),
    LazyCommand(
        "export", "roadsense.cli.export:app", "Open data with small-count suppression.", CITY
    ),
    LazyCommand(
        "lake",
        "roadsense.cli.lake:app",
        "The raw records as a GeoParquet lake by UTC day; map matching on Spark.",
        CITY,
    ),
    LazyCommand(
        "adas", "roadsense.cli.adas:app", "Run the software warning engine on recorded tracks."
    ),
    LazyCommand(
        "match",
        "roadsense.cli.match:match_command",
        "Put a CSV of positions on the OSM road network (Valhalla).",
        CITY,
    ),
    LazyCommand(
        "roads", "roadsense.cli.roads:app", "OSM road network, map matching, road products.", CITY
    ),
    LazyCommand(
        "report",
        "roadsense.cli.report:report_command",
        "The monthly report for the city (HTML or PDF).",
        REPORTS,
    ),
)
"""Every subcommand: name, where it lives, its help line and the extra it needs."""


class RoadsenseGroup(LazyGroup):
    """The ``roadsense`` command: the subcommands of ``COMMANDS``."""

    lazy_commands = COMMANDS


app = typer.Typer(
    name="roadsense",
    cls=RoadsenseGroup,
    help="Turn a city's ADAS-equipped taxis into a road-safety sensor network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


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
