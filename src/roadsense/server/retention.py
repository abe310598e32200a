"""Pruning raw positions on a schedule while the server runs (``ROADSENSE_PRUNE_EVERY_S``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool

from roadsense.store import PruneResult, RetentionStore, StoreError

log = logging.getLogger(__name__)


def retention_cutoff(retention_days: float, now: datetime | None = None) -> datetime:
    """The time before which raw positions are pruned."""
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


def prune_now(store: RetentionStore, retention_days: float) -> PruneResult:
    """Prune what is older than the retention period, and log what was done."""
    result = store.prune(retention_cutoff(retention_days))
    log.info(
        "pruned %d positions before %s",
        result.positions_deleted,
        result.cutoff.isoformat(),
        extra={
            "positions_deleted": result.positions_deleted,
            "rollup_rows": result.rollup_rows,
            "sessions_deleted": result.sessions_deleted,
        },
    )
    return result


async def prune_periodically(store: RetentionStore, retention_days: float, every_s: float) -> None:
    """Prune now and then every ``every_s`` seconds, until cancelled."""
    while True:
        try:
            await run_in_threadpool(prune_now, store, retention_days)
        except StoreError:
            log.exception("scheduled prune failed; trying again next time")
        await asyncio.sleep(every_s)
