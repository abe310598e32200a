"""Match whole traces of many vehicles (what ``roadsense match`` does).

Vehicles are matched independently, several at a time in threads: Valhalla releases
Python's lock while it matches, so the threads use as many cores as there are.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from roadsense.roads.matcher import UNMATCHED, MapMatcher, MatchResult, PointMatch
from roadsense.roads.trace_io import TraceRow
from roadsense.roads.trips import TracePoint


def default_workers() -> int:
    """Threads to match with: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def match_rows(
    matcher: MapMatcher,
    rows: Sequence[TraceRow],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    matched: Mapping[str, MatchResult] | None = None,
) -> list[PointMatch]:
    """A match for every row, in row order; each vehicle is matched in time order
    (``matched``: vehicles already matched with ``matcher``, by a first pass)."""
    by_vehicle = _rows_by_vehicle(rows)
    out: list[PointMatch] = [UNMATCHED] * len(rows)
    done = 0
    lock = threading.Lock()
    ready = matched or {}

    def one(vehicle: str) -> None:
        nonlocal done
        order = by_vehicle[vehicle]
        result = ready.get(vehicle) or matcher.match([rows[i].point for i in order])
        for i, match in zip(order, result.points, strict=True):
            out[i] = match
        with lock:
            done += len(order)
            if progress is not None:
                progress(done, len(rows))

    vehicles = sorted(by_vehicle, key=lambda v: -len(by_vehicle[v]))  # longest first
    threads = min(workers or default_workers(), len(vehicles))
    if threads <= 1:
        for vehicle in vehicles:
            one(vehicle)
        return out
    with ThreadPoolExecutor(threads, thread_name_prefix="match") as pool:
        for future in [pool.submit(one, v) for v in vehicles]:
            future.result()
    return out


def vehicle_traces(rows: Sequence[TraceRow]) -> dict[str, list[TracePoint]]:
    """Each vehicle's fixes in time order."""
    return {v: [rows[i].point for i in order] for v, order in _rows_by_vehicle(rows).items()}


def _rows_by_vehicle(rows: Sequence[TraceRow]) -> dict[str, list[int]]:
    """Each vehicle's row indices, in time order."""
    by_vehicle: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_vehicle[row.vehicle_id].append(i)
    for order in by_vehicle.values():
        order.sort(key=lambda i: rows[i].point.ts)
    return dict(by_vehicle)
