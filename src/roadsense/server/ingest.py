"""``POST /v1/batches``: what gateways upload."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from roadsense.schema import Batch
from roadsense.server.auth import authenticate_device
from roadsense.server.errors import ApiError
from roadsense.server.state import get_state

router = APIRouter(prefix="/v1", tags=["ingest"])


class BatchAck(BaseModel):
    """The server's acknowledgement: the batch is durably stored (or was already)."""

    batch_id: str
    status: Literal["stored", "duplicate"]
    counts: dict[str, int]


@router.post(
    "/batches",
    response_model=BatchAck,
    summary="Upload a batch of records from one device",
    responses={
        401: {"description": "missing or unknown device token"},
        403: {"description": "the batch or an item belongs to another device or vehicle"},
        413: {"description": "the upload is too large"},
        422: {"description": "invalid batch; nothing of it was stored"},
    },
)
async def post_batch(batch: Batch, request: Request) -> BatchAck:
    """Store a batch once; a batch id seen before is acknowledged as ``duplicate``."""
    state = get_state(request)
    device = authenticate_device(request, state.store)
    if batch.device_id != device.device_id:
        raise ApiError(
            403,
            f"this token belongs to device {device.device_id!r}, "
            f"not {batch.device_id!r}; nothing was stored",
        )
    foreign = [
        {
            "loc": ["body", "items", i, "vehicle_id"],
            "msg": f"not this device's vehicle: "
            f"{item.vehicle_id!r} (expected {device.vehicle_id!r})",
        }
        for i, item in enumerate(batch.items)
        if item.vehicle_id != device.vehicle_id
    ]
    if foreign:
        raise ApiError(
            403,
            f"{len(foreign)} item(s) belong to another vehicle; nothing was stored",
            details=foreign[:50],
        )
    result = await asyncio.wrap_future(state.store.submit(batch))
    return BatchAck(batch_id=str(result.batch_id), status=result.status, counts=result.counts)
