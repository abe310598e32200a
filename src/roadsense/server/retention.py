"""Pruning raw positions on a schedule while the server runs (``ROADSENSE_PRUNE_EVERY_S``)."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from roadsense.store import RetentionStore, StoreError
from roadsense.store.pruning import prune_now

log = logging.getLogger(__name__)


async def prune_periodically(store: RetentionStore, retention_days: float, every_s: float) -> None:
    """Prune now and then every ``every_s`` seconds, until cancelled."""
    while True:
        try:
            await run_in_threadpool(prune_now, store, retention_days)
        except StoreError:
            log.exception("scheduled prune failed; trying again next time")
        await asyncio.sleep(every_s)
