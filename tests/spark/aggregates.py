"""Two :class:`HourlyAggregates` compared row by row: counts equal, kilometres within REL."""

from __future__ import annotations

import math
from collections.abc import Iterable

from roadsense.store.analytics_rows import HourlyAggregates

REL = 1e-9
"""The documented tolerance of the engines' figures (docs/scale.md)."""


Rows = dict[tuple[object, ...], tuple[object, ...]]


class _Pick:
    """The fields of a row that make its key."""

    def __init__(self, *fields: int) -> None:
        self.fields = fields

    def __call__(self, row: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(row[i] for i in self.fields)


def _keyed(rows: Iterable[tuple[object, ...]], key: slice | _Pick) -> Rows:
    """Rows by key; a key twice is a failure."""
    out: Rows = {}
    for row in rows:
        k = key(tuple(row)) if isinstance(key, _Pick) else tuple(row[key])
        assert k not in out, f"two rows for {k}"
        out[k] = tuple(row)
    return out


def _same(name: str, a: Rows, b: Rows) -> None:
    assert a.keys() == b.keys(), f"{name}: {sorted(a.keys() ^ b.keys(), key=str)[:5]}"
    for k, ra in a.items():
        rb = b[k]
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=REL, abs_tol=1e-12), (name, ra, rb)
            else:
                assert x == y, (name, ra, rb)


def assert_same_aggregates(a: HourlyAggregates, b: HourlyAggregates) -> None:
    """Every list of ``a`` and ``b`` holds the same rows (in any order)."""
    _same("cells", _keyed(a.cells, slice(0, 3)), _keyed(b.cells, slice(0, 3)))
    vehicle_key = _Pick(0, 1, 4)  # vehicle, hour, fleet
    _same("vehicles", _keyed(a.vehicles, vehicle_key), _keyed(b.vehicles, vehicle_key))
    _same("cell_events", _keyed(a.cell_events, slice(0, 4)), _keyed(b.cell_events, slice(0, 4)))
    event_key = _Pick(0, 1, 2, 4)  # vehicle, hour, type, fleet
    _same(
        "vehicle_events", _keyed(a.vehicle_events, event_key), _keyed(b.vehicle_events, event_key)
    )
    _same(
        "cell_vehicles", _keyed(a.cell_vehicles, slice(0, 2)), _keyed(b.cell_vehicles, slice(0, 2))
    )
    assert a.batches == b.batches
