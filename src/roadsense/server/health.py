"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from roadsense import __version__
from roadsense.server.state import get_state

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz(request: Request) -> dict[str, object]:
    """Always ``ok`` while the server runs, with the store's schema version."""
    state = get_state(request)
    return {
        "status": "ok",
        "version": __version__,
        "store_schema_version": state.store.schema_version(),
        "queue_depth": state.store.queue_depth(),
    }
