"""Liveness, readiness and metrics.

``/healthz`` and ``/readyz`` are open (load balancers and orchestrators probe them) and
tell nothing about the data; ``/metrics`` needs an admin or analyst API key (Prometheus
sends it as a bearer token).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from roadsense import __version__
from roadsense.server.scope import CityScope
from roadsense.server.state import get_state
from roadsense.store import StoreError

router = APIRouter(tags=["health"])

READY_QUEUE_FRACTION = 0.9
"""A write queue fuller than this makes the process not ready (send traffic elsewhere)."""


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, object]:
    """Always ``ok`` while the process runs."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    summary="Readiness: the store answers and the write queue has room",
    responses={503: {"description": "not ready: the store does not answer or is overloaded"}},
)
async def readyz(request: Request) -> Response:
    """``ready`` when the store answers a query and the write queue is not nearly full."""
    state = get_state(request)
    store = state.store
    checks: dict[str, object] = {}
    ready = True
    try:
        await run_in_threadpool(store.ping)
        checks["store"] = "ok"
        checks["store_schema_version"] = await run_in_threadpool(store.schema_version)
    except StoreError as exc:
        ready = False
        checks["store"] = str(exc)
    depth, capacity = store.queue_depth(), store.queue_capacity()
    checks["queue_depth"] = depth
    checks["queue_capacity"] = capacity
    if capacity and depth >= READY_QUEUE_FRACTION * capacity:
        ready = False
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request, _: CityScope) -> Response:
    """Ingest rate, queue depth, rejects by reason, latency histogram, per-device last seen."""
    state = get_state(request)
    state.metrics.queue_depth.set(state.store.queue_depth())
    body = await run_in_threadpool(state.metrics.exposition)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
