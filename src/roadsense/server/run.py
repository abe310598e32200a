"""Run the server with uvicorn until a stop event, a signal, or the parent process exits."""

from __future__ import annotations

import logging
import os
import threading

import uvicorn

from roadsense.server.app import create_app
from roadsense.server.settings import Settings

log = logging.getLogger(__name__)


def serve(
    settings: Settings,
    stop: threading.Event | None = None,
    *,
    exit_with_parent: bool = False,
    log_level: str = "warning",
) -> None:
    """Serve until Ctrl-C, until ``stop`` is set, or (optionally) until the parent exits."""
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
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
