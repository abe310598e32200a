"""Which days ``roadsense lake match`` matches, and which fixes each vehicle-day's trace holds."""

from __future__ import annotations

from datetime import UTC, date, datetime

from roadsense.lake.manifest import Manifest, Partition
from roadsense.spark.matching import DAY_US, _keyed_fix, days_to_match

D1, D2, D3 = date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)


def test_days_without_matches_of_the_network_are_matched() -> None:
    manifest = Manifest(
        5,
        {
            "positions": {D1: Partition(10, 5), D2: Partition(10, 5), D3: Partition(10, 5)},
            "events": {D1: Partition(2, 5), D3: Partition(1, 5)},
            "matched_positions": {
                D1: Partition(10, 5, "net"),
                D2: Partition(10, 5, "old"),  # another network
                D3: Partition(10, 5, "net"),
            },
            "matched_events": {D1: Partition(2, 5, "net")},  # D3's events are not matched
        },
    )
    assert days_to_match(manifest, "net") == [D2, D3]
    manifest.tables["matched_positions"][D1] = Partition(9, 5, "net")  # a fix came late
    assert days_to_match(manifest, "net") == [D1, D2, D3]
    assert days_to_match(Manifest(5), "net") == []


def _us(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000)


def test_fixes_near_midnight_are_context_of_the_next_or_previous_day() -> None:
    d2 = _us(datetime(2025, 6, 2, tzinfo=UTC)) // DAY_US
    want = frozenset({d2, d2 + 1})
    late = _us(datetime(2025, 6, 2, 23, 59, 30, tzinfo=UTC))
    early = _us(datetime(2025, 6, 3, 0, 1, 0, tzinfo=UTC))
    noon = _us(datetime(2025, 6, 2, 12, tzinfo=UTC))
    ctx = 120 * 1_000_000

    def keys(us: int) -> list[tuple[int, bool]]:
        return [(k[1], v[2]) for k, v in _keyed_fix(want, ctx, ("taxi", us, 0.0, 0.0, None, None))]

    assert keys(late) == [(d2, True), (d2 + 1, False)]  # its own day, and the next's context
    assert keys(early) == [(d2 + 1, True), (d2, False)]
    assert keys(noon) == [(d2, True)]
    # a day not being matched gets nothing, not even as context
    assert [k for k, _ in _keyed_fix(frozenset({d2}), ctx, ("t", early, 0.0, 0.0, None, None))] == [
        ("t", d2)
    ]
