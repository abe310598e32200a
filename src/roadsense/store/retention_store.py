"""Retention: raw positions pruned after a while, their hourly aggregates kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PruneResult:
    """What one retention run did."""

    cutoff: datetime
    positions_deleted: int
    rollup_rows: int
    """Hourly exposure-and-speed rows written (or added to) for the pruned positions."""
    sessions_deleted: int = 0


class RetentionStore(Protocol):
    """Deleting old raw data without losing what it counted for."""

    def prune(self, cutoff: datetime) -> PruneResult:
        """Delete raw positions before ``cutoff``, keeping their hourly aggregates per cell."""
        ...
