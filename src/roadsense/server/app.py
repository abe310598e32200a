"""The FastAPI application: ingest, registry, admin, the dashboard's read routes, health,
the page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from roadsense import __version__
from roadsense.roads.extracts import bundled_extract
from roadsense.schema import Batch
from roadsense.server import (
    admin_api,
    api_docs,
    health,
    ingest,
    panels_api,
    registry_api,
    roads_api,
    session_api,
)
from roadsense.server.auth import SESSION_COOKIE, keep_devices_loaded, session_principal
from roadsense.server.errors import install_error_handlers
from roadsense.server.metrics import Metrics
from roadsense.server.observe import ObserveRequests
from roadsense.server.retention import prune_periodically
from roadsense.server.security_headers import SecurityHeaders
from roadsense.server.settings import Settings
from roadsense.server.state import AppState, get_state
from roadsense.store import Store, open_store

log = logging.getLogger(__name__)


def static_dir() -> Path:
    """The dashboard's static files."""
    return Path(str(resources.files("roadsense.web") / "static"))


class RoadsenseApi(FastAPI):
    """FastAPI, with the upload answered first by :class:`~roadsense.server.ingest.IngestFastPath`
    (when set), ahead of the middleware and routing every other request goes through."""

    upload: ingest.IngestFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.upload is not None and ingest.is_upload(scope):
            await self.upload(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app; it opens the configured store unless one is given, and closes what it opened."""
    settings = settings or Settings()
    roads_path = settings.roads or bundled_extract()
    holder: dict[str, Store] = {}
    metrics = Metrics(lambda: holder["store"].device_last_seen() if "store" in holder else {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        active = (
            store
            if store is not None
            else open_store(settings.store, queue_capacity=settings.queue_capacity)
        )
        holder["store"] = active
        app.state.roadsense = AppState(
            settings=settings, store=active, roads_path=roads_path, metrics=metrics
        )
        metrics.queue_capacity.set(active.queue_capacity())
        if not (static_dir() / "vendor" / "maplibre-gl.mjs").is_file():
            log.warning("MapLibre is not installed in %s/vendor: run `make vendor`", static_dir())
        background = [asyncio.create_task(keep_devices_loaded(app.state.roadsense))]
        pruner = None
        if settings.prune_every_s > 0:
            pruner = asyncio.create_task(
                prune_periodically(active, settings.retention_days, settings.prune_every_s)
            )
        try:
            yield
        finally:
            if pruner is not None:
                background.append(pruner)
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if not await asyncio.to_thread(panels_api.close_cube, app.state):
                log.warning("a dashboard cube build was still running at shutdown")
            if own:
                active.close()

    app = RoadsenseApi(
        title="roadsense",
        version=__version__,
        summary="Ingest from ADAS-equipped vehicles, and the road-safety data made from it.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # our own metrics are Prometheus's (/metrics); FastAPI's OpenTelemetry hooks would
        # only cost every request a look-up of providers nobody configured
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    app.upload = ingest.IngestFastPath(app)
    app.add_middleware(
        ObserveRequests,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        access_log=settings.access_log,
    )
    app.add_middleware(SecurityHeaders)
    for module in (ingest, session_api, registry_api, admin_api, health):
        app.include_router(module.router)
    app.include_router(roads_api.router)
    app.include_router(panels_api.router)
    app.include_router(api_docs.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    @app.get("/", include_in_schema=False, response_model=None)
    async def index(request: Request) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie or await session_principal(get_state(request), cookie) is None:
            return RedirectResponse("/signin", status_code=303)
        return FileResponse(static_dir() / "index.html")

    app.openapi = _openapi_with_batch(app)  # type: ignore[method-assign]
    return app


def _openapi_with_batch(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The OpenAPI description, with the upload's ``Batch`` schema among the components
    (the ingest route reads its body itself, for speed, so FastAPI does not see it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        batch = Batch.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(batch.pop("$defs", {}))
        schemas["Batch"] = batch
        app.openapi_schema = spec
        return spec

    return openapi
