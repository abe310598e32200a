"""Match whole traces of many vehicles (what ``roadsense match`` does)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from roadsense.roads.matcher import UNMATCHED, MapMatcher, PointMatch
from roadsense.roads.trace_io import TraceRow


def match_rows(
    matcher: MapMatcher,
    rows: Sequence[TraceRow],
    progress: Callable[[int, int], None] | None = None,
) -> list[PointMatch]:
    """A match for every row, in row order; each vehicle is matched in time order."""
    by_vehicle: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_vehicle[row.vehicle_id].append(i)
    out: list[PointMatch] = [UNMATCHED] * len(rows)
    done = 0
    for vehicle in sorted(by_vehicle):
        order = sorted(by_vehicle[vehicle], key=lambda i: rows[i].point.ts)
        result = matcher.match([rows[i].point for i in order])
        for i, match in zip(order, result.points, strict=True):
            out[i] = match
        done += len(order)
        if progress is not None:
            progress(done, len(rows))
    return out
