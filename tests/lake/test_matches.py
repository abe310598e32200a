"""Map matches in the lake: exported with the raw rows, rewritten when the network changes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq

from roadsense.lake import MANIFEST_NAME, export_lake
from roadsense.store import Store
from roadsense.store.roads_rows import FixMatch, MatchSpan, PlacedRecord, SpanMatches
from tests.factories import HELSINKI, T0, small_network
from tests.lake.records import DAY1, DAY2, fill

NODES = [(1, HELSINKI[1], HELSINKI[0]), (2, HELSINKI[1] + 0.01, HELSINKI[0])]


def match_everything(db: Store, digest: str, segment: str) -> None:
    """Store a one-segment network named ``digest`` and match every fix and event of
    taxi-1 (on DAY1) onto ``segment``; taxi-2 (DAY2) stays unmatched."""
    db.replace_road_network(*small_network(digest, NODES, [(segment, 1, 2, "primary")]))
    span = MatchSpan("taxi-1", T0 - timedelta(hours=1), T0 + timedelta(days=1))
    (inputs,) = db.match_inputs([span])
    fixes = [FixMatch(f.ts, True, 1, segment, 2.0, 0.9, 0, f.speed_mps) for f in inputs.fixes]
    events = [
        PlacedRecord(e.ts, e.key, True, 1, segment, HELSINKI[1], HELSINKI[0]) for e in inputs.events
    ]
    db.save_matches([SpanMatches(span, fixes, events, [], [])], [])


def segments_in(lake: Path, table: str) -> set[str]:
    rows = pq.read_table(lake / table / f"day={DAY1}" / "part-00000.parquet")
    return set(rows.column("segment_id").to_pylist())


def test_matches_go_to_the_lake_and_follow_the_road_network(
    any_store: Store, tmp_path: Path
) -> None:
    fill(any_store, DAY1, "taxi-1", 10, late=True)
    fill(any_store, DAY2, "taxi-2", 6)
    lake = tmp_path / "lake"
    match_everything(any_store, "net-a", "a-1")
    first = export_lake(any_store, str(lake))
    assert first.written["matched_positions"] == {DAY1: 11}  # the late fix too
    assert first.written["matched_events"] == {DAY1: 5}
    assert segments_in(lake, "matched_positions") == {"a-1"}
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    entry = manifest["tables"]["matched_positions"][DAY1.isoformat()]
    assert entry["derived_from"] == "net-a"
    assert "derived_from" not in manifest["tables"]["positions"][DAY1.isoformat()]
    assert export_lake(any_store, str(lake)).rows_written == 0

    # a new road import drops the matches; matched again, the counts are the same but
    # the segments are not: the days are written again
    match_everything(any_store, "net-b", "b-1")
    again = export_lake(any_store, str(lake))
    assert again.written["matched_positions"] == {DAY1: 11}
    assert again.written["matched_events"] == {DAY1: 5}
    assert again.written["positions"] == {}  # the raw rows did not change
    assert segments_in(lake, "matched_positions") == {"b-1"}
    assert segments_in(lake, "matched_events") == {"b-1"}

    # a network without matches yet: the lake keeps no matches of the old one
    any_store.replace_road_network(*small_network("net-c", NODES, [("c-1", 1, 2, "primary")]))
    gone = export_lake(any_store, str(lake))
    assert gone.removed["matched_positions"] == [DAY1]
    assert not (lake / "matched_positions" / f"day={DAY1}").exists()


def test_matches_the_lake_made_of_the_stores_network_stay(any_store: Store, tmp_path: Path) -> None:
    """Matches in the lake the store does not hold (``roadsense lake match`` made them)
    stay while they are of the store's network and the store holds the day's records."""
    fill(any_store, DAY1, "taxi-1", 10)
    lake = tmp_path / "lake"
    match_everything(any_store, "net-a", "a-1")
    export_lake(any_store, str(lake))
    # the same network imported again: the store's matches are gone, the lake's stay
    any_store.replace_road_network(*small_network("net-a", NODES, [("a-1", 1, 2, "primary")]))
    kept = export_lake(any_store, str(lake))
    assert kept.removed["matched_positions"] == kept.removed["matched_events"] == []
    assert kept.rows_written == 0
    assert segments_in(lake, "matched_positions") == {"a-1"}
    # another network: they go
    any_store.replace_road_network(*small_network("net-b", NODES, [("b-1", 1, 2, "primary")]))
    assert export_lake(any_store, str(lake)).removed["matched_positions"] == [DAY1]
