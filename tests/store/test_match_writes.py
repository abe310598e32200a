"""Writing map matches a group of vehicles at a time (``save_matches``), on both stores."""

from __future__ import annotations

from datetime import timedelta

from roadsense.store import Store
from roadsense.store.roads_rows import FixMatch, MatchSpan, SpanMatches
from tests.factories import T0


def _fixes(start_s: int, n: int, segment: str | None) -> list[FixMatch]:
    """``n`` fixes a second apart; unmatched ones carry no way, segment or distance."""
    return [
        FixMatch(
            T0 + timedelta(seconds=start_s + i),
            segment is not None,
            None if segment is None else 42,
            segment,
            None if segment is None else 1.5,
            0.0 if segment is None else 0.9,
            None if segment is None else 0,
            None if segment is None else 10.0,
        )
        for i in range(n)
    ]


def _span(vehicle: str, start_s: int, end_s: int) -> MatchSpan:
    return MatchSpan(vehicle, T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s))


def test_a_group_replaces_only_its_spans(any_store: Store) -> None:
    # a long run of unmatched fixes before the matched ones: each column's type must come
    # from the table, not from its first values
    any_store.save_matches(
        [
            SpanMatches(
                _span("a", 0, 3599), _fixes(0, 2500, None) + _fixes(2500, 1100, "s1"), [], [], []
            ),
            SpanMatches(_span("b", 0, 99), _fixes(0, 100, "s2"), [], [], []),
        ],
        [],
    )
    fixes = any_store.segment_fixes()
    assert sorted({(f.vehicle_id, f.segment_id) for f in fixes}) == [("a", "s1"), ("b", "s2")]
    assert sum(f.vehicle_id == "a" for f in fixes) == 1100
    # re-matching a's last 100 s and b's first 50 s replaces exactly those
    any_store.save_matches(
        [
            SpanMatches(_span("a", 3500, 3599), _fixes(3500, 100, "s3"), [], [], []),
            SpanMatches(_span("b", 0, 49), [], [], [], []),
        ],
        [],
    )
    by = {(f.vehicle_id, f.segment_id): 0 for f in any_store.segment_fixes()}
    for f in any_store.segment_fixes():
        by[(f.vehicle_id, f.segment_id)] += 1
    assert by == {("a", "s1"): 1000, ("a", "s3"): 100, ("b", "s2"): 50}
