"""The FastAPI application: ingest, dashboard API, health and the dashboard page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from roadsense import __version__
from roadsense.roads.extracts import bundled_extract
from roadsense.server import dashboard, health, ingest
from roadsense.server.errors import error_response, install_error_handlers
from roadsense.server.settings import Settings
from roadsense.server.state import AppState
from roadsense.store import Store, open_store

log = logging.getLogger(__name__)


def static_dir() -> Path:
    """The dashboard's static files."""
    return Path(str(resources.files("roadsense.web") / "static"))


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app; it opens the configured store unless one is given, and closes what it opened."""
    settings = settings or Settings()
    roads_path = settings.roads or bundled_extract()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        active = store if store is not None else open_store(settings.store)
        app.state.roadsense = AppState(settings=settings, store=active, roads_path=roads_path)
        if not (static_dir() / "vendor" / "maplibre-gl.mjs").is_file():
            log.warning("MapLibre is not installed in %s/vendor: run `make vendor`", static_dir())
        try:
            yield
        finally:
            if own:
                active.close()

    app = FastAPI(
        title="roadsense",
        version=__version__,
        summary="Ingest from ADAS-equipped vehicles, and the road-safety data made from it.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def _limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return error_response(
                413,
                f"the upload is larger than {settings.max_body_bytes} bytes; send smaller batches",
            )
        return await call_next(request)

    app.include_router(ingest.router)
    app.include_router(dashboard.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(static_dir() / "index.html")

    return app
