"""Run the server with uvicorn until a stop event, a signal, or the parent process exits.

One process serves a DuckDB store (the file is held by one process). On PostgreSQL,
``workers > 1`` starts that many processes sharing the port (uvicorn's supervisor); they
read their settings from ``ROADSENSE_*`` variables and add up their metrics through
``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import gc
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


GC_THRESHOLDS = (100_000, 50, 1_000)
"""Python's collector thresholds in a server process (the default is 2,000, 10, 10).

Every upload allocates a few hundred objects (the parsed batch, its rows), almost none in a
reference cycle, so at a fleet's rate the default collector ran hundreds of times a
second and, now and then, a full collection over every object of the process while
requests waited. With the objects made at start-up frozen (``gc.freeze``) and these
thresholds, the Daegu fleet load on DuckDB went from p99 455-936 ms at 84-89 % CPU to
274-332 ms at 73-76 % (docs/benchmarks.md). Cycles are still collected, less often."""


def tune_gc() -> None:
    """Freeze what start-up made and raise the collector's thresholds (see above)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def app_from_environment() -> FastAPI:
    """The app as a worker process builds it: settings from ``ROADSENSE_*`` variables."""
    settings = Settings()
    configure_logging(settings.log_format)
    app = create_app(settings)
    tune_gc()
    return app


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
    tune_gc()
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
