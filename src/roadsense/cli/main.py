"""``roadsense``: the command line of the city platform and the gateway."""

from __future__ import annotations

import logging

import typer

from roadsense import __version__
from roadsense.cli import adas, demo, devices, evaluate, screen, serve, sim
from roadsense.cli import edge as edge_cli

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
app.add_typer(edge_cli.app, name="edge", help="The in-vehicle gateway: decode CAN, GPS, IMU.")
app.command("screen", help="Rank sites by empirical Bayes excess (network screening).")(
    screen.screen_command
)
app.add_typer(evaluate.app, name="evaluate", help="Measure whether a treatment made sites safer.")
app.add_typer(adas.app, name="adas", help="Run the software warning engine on recorded tracks.")


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
