"""Processing after decoding, as an explicit ordered list of small stages.

A record that needs a position (event, sign, lane sample) waits until its position is
settled: a GPS fix at or after its time has arrived, or the no-fix window has passed. Then
each stage enriches it in turn. A stage that fails logs, counts ``stage_failed_<name>`` and
passes the record on unchanged: nothing is dropped for want of enrichment.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from typing import Protocol

from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.fixes import FixBuffer
from roadsense.schema import AdasEvent, AnyRecord, LaneSample, SignSighting

logger = logging.getLogger(__name__)

Located = AdasEvent | SignSighting | LaneSample
"""Records that get a position from the GPS fixes."""


class Stage(Protocol):
    """One enrichment step."""

    name: str

    def __call__(self, record: Located, t: float) -> Located:
        """The record, enriched (or unchanged)."""
        ...


class Locate:
    """The nearest GPS fix, interpolated to the record's time; ``no_fix`` beyond the window."""

    name = "locate"

    def __init__(self, fixes: FixBuffer) -> None:
        self.fixes = fixes

    def __call__(self, record: Located, t: float) -> Located:
        where = self.fixes.locate(t)
        if isinstance(record, AdasEvent):
            return record.model_copy(
                update={"lat": where.lat, "lon": where.lon, "position_flag": where.flag}
            )
        if where.lat is None:
            return record
        return record.model_copy(update={"lat": where.lat, "lon": where.lon})


class FillSpeed:
    """An event's speed from the GPS where the ADAS unit did not give one."""

    name = "fill_speed"

    def __init__(self, fixes: FixBuffer) -> None:
        self.fixes = fixes

    def __call__(self, record: Located, t: float) -> Located:
        if not isinstance(record, AdasEvent) or record.speed_mps is not None:
            return record
        speed = self.fixes.locate(t).speed_mps
        if speed is None:
            return record
        return record.model_copy(update={"speed_mps": max(0.0, speed)})


class Pipeline:
    """Holds records until their position is settled, then runs the stages on them."""

    def __init__(
        self, stages: Sequence[Stage], fixes: FixBuffer, counters: Counters, window_s: float
    ) -> None:
        self.stages = list(stages)
        self.fixes = fixes
        self.counters = counters
        self.window_s = window_s
        self._pending: deque[tuple[float, Located]] = deque()

    def push(self, record: Located) -> None:
        """A record that needs a position."""
        self._pending.append((record.time.timestamp(), record))

    def __len__(self) -> int:
        return len(self._pending)

    def release(self, now: float) -> list[AnyRecord]:
        """Records whose position is settled at ``now``, enriched, in arrival order."""
        pending = self._pending
        if not pending:
            return []
        latest = self.fixes.latest_t
        out: list[AnyRecord] = []
        keep: deque[tuple[float, Located]] = deque()
        while pending:
            t, record = pending.popleft()
            if (latest is not None and latest >= t) or now - t > self.window_s:
                out.append(self._run(record, t))
            else:
                keep.append((t, record))
        self._pending = keep
        return out

    def flush(self) -> list[AnyRecord]:
        """Everything still waiting (end of input)."""
        out: list[AnyRecord] = [self._run(record, t) for t, record in self._pending]
        self._pending.clear()
        return out

    def _run(self, record: Located, t: float) -> Located:
        for stage in self.stages:
            try:
                record = stage(record, t)
            except Exception:
                logger.exception("stage %s failed on %s; passing it on", stage.name, record.kind)
                self.counters[f"stage_failed_{stage.name}"] += 1
        return record
