"""``roadsense serve``: the ingest API and the dashboard."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

from roadsense.cli.errors import fail
from roadsense.server.run import serve
from roadsense.server.settings import Settings

console = Console()


def serve_command(
    store: str | None = typer.Option(None, "--store", help="DuckDB store file."),
    roads: Path | None = typer.Option(None, "--roads", help="OSM extract for the map."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on."),
    exit_with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True),
) -> None:
    """Run the ingest API and the dashboard until Ctrl-C."""
    overrides = {
        k: v
        for k, v in {"store": store, "roads": roads, "host": host, "port": port}.items()
        if v is not None
    }
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail(f"bad configuration: {exc}")
    if settings.roads is not None and not settings.roads.is_file():
        fail(f"OSM file not found: {settings.roads}")
    console.print(f"roadsense serving {settings.store} at http://{settings.host}:{settings.port}")
    serve(settings, exit_with_parent=exit_with_parent)
