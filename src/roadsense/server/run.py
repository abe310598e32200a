"""Run the server with uvicorn until a stop event, a signal, or the parent process exits.

One process serves a DuckDB store (the file is held by one process). On PostgreSQL,
``workers > 1`` starts that many processes sharing the port (uvicorn's supervisor); they
read their settings from ``ROADSENSE_*`` variables and add up their metrics through
``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading

import uvicorn
from fastapi import FastAPI

from roadsense.server.app import create_app
from roadsense.server.logs import configure_logging
from roadsense.server.settings import Settings

log = logging.getLogger(__name__)


def app_from_environment() -> FastAPI:
    """The app as a worker process builds it: settings from ``ROADSENSE_*`` variables."""
    settings = Settings()
    configure_logging(settings.log_format)
    return create_app(settings)


def serve(
    settings: Settings,
    stop: threading.Event | None = None,
    *,
    exit_with_parent: bool = False,
    log_level: str = "warning",
) -> None:
    """Serve until Ctrl-C, until ``stop`` is set, or (optionally) until the parent exits."""
    configure_logging(settings.log_format)
    if settings.workers > 1:
        _serve_workers(settings, log_level)
        return
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        backlog=4096,
        timeout_keep_alive=settings.keep_alive_s,
        limit_concurrency=settings.max_connections,
    )
    server = uvicorn.Server(config)
    watchers: list[threading.Thread] = []
    if stop is not None:
        watchers.append(threading.Thread(target=_stop_when_set, args=(server, stop), daemon=True))
    if exit_with_parent:
        watchers.append(threading.Thread(target=_stop_with_parent, args=(server,), daemon=True))
    for watcher in watchers:
        watcher.start()
    server.run()


def _serve_workers(settings: Settings, log_level: str) -> None:
    """Several worker processes on one port (PostgreSQL only; the settings check that)."""
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"ROADSENSE_{name.upper()}"] = str(value)
    metrics_dir = tempfile.mkdtemp(prefix="roadsense-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "roadsense.server.run:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=log_level,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
            backlog=4096,
            timeout_keep_alive=settings.keep_alive_s,
            limit_concurrency=settings.max_connections,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _stop_when_set(server: uvicorn.Server, stop: threading.Event) -> None:
    stop.wait()
    server.should_exit = True


def _stop_with_parent(server: uvicorn.Server) -> None:
    parent = os.getppid()
    while not server.should_exit:
        if os.getppid() != parent:
            log.warning("parent process exited; stopping the server")
            server.should_exit = True
            return
        threading.Event().wait(1.0)
