"""``roadsense serve``: the ingest API and the dashboard."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

from roadsense.cli.errors import fail

console = Console(stderr=True)


def serve_command(
    store: str | None = typer.Option(
        None, "--store", help="DuckDB store file, or postgresql://user:pw@host:port/db."
    ),
    roads: Path | None = typer.Option(None, "--roads", help="OSM extract for the map."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on."),
    workers: int | None = typer.Option(
        None, "--workers", help="Server processes (PostgreSQL only)."
    ),
    prune_every: float | None = typer.Option(
        None, "--prune-every", help="Prune old positions every this many seconds while serving."
    ),
    queue_capacity: int | None = typer.Option(
        None, "--queue-capacity", help="Uploads waiting per process before 429."
    ),
    log_format: str | None = typer.Option(None, "--log-format", help="json or text."),
    exit_with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True),
) -> None:
    """Run the ingest API and the dashboard until Ctrl-C (settings: ROADSENSE_* variables)."""
    from roadsense.server.run import serve
    from roadsense.server.settings import Settings
    from roadsense.store.postgres_store import redact

    overrides = {
        k: v
        for k, v in {
            "store": store,
            "roads": roads,
            "host": host,
            "port": port,
            "workers": workers,
            "prune_every_s": prune_every,
            "queue_capacity": queue_capacity,
            "log_format": log_format,
        }.items()
        if v is not None
    }
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        fail(f"refusing to start: {problems}")
    if settings.roads is not None and not settings.roads.is_file():
        fail(f"OSM file not found: {settings.roads}")
    where = redact(settings.store) if settings.store.startswith("postgres") else settings.store
    console.print(
        f"roadsense serving {where} at http://{settings.host}:{settings.port} "
        f"({settings.workers} process{'es' if settings.workers > 1 else ''}, "
        f"{settings.environment})"
    )
    serve(settings, exit_with_parent=exit_with_parent)
