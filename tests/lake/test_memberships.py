"""The fleet memberships in the lake: one whole file, in the manifest, replaced on change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from roadsense.lake import MANIFEST_NAME, export_lake
from roadsense.lake.manifest import whole_file
from roadsense.store import Store
from roadsense.store.fleet_membership import EARLIEST
from tests.lake.records import DAY1, fill


def test_memberships_are_written_whole_and_replaced_when_they_change(
    any_store: Store, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    fill(any_store, DAY1, "taxi-1", 4)
    any_store.add_fleet("fleet-a", "A Cabs")
    any_store.add_fleet("fleet-b", "B Cabs")
    any_store.add_vehicle("taxi-1", "fleet-a")
    first = export_lake(any_store, str(lake))
    assert first.whole == {"fleet_memberships": 1}
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    entry = manifest["whole"]["fleet_memberships"]
    assert entry["rows"] == 1
    assert entry["file"] == whole_file("fleet_memberships")
    rows = pq.read_table(lake / whole_file("fleet_memberships")).to_pylist()
    assert rows == [
        {"vehicle_id": "taxi-1", "fleet_id": "fleet-a", "valid_from": EARLIEST, "valid_to": None}
    ]

    assert export_lake(any_store, str(lake)).whole == {}  # unchanged: left as it was
    any_store.add_vehicle("taxi-1", "fleet-b")  # moved now
    again = export_lake(any_store, str(lake))
    assert again.whole == {"fleet_memberships": 2}
    rows = pq.read_table(lake / whole_file("fleet_memberships")).to_pylist()
    assert [(r["fleet_id"], r["valid_to"] is None) for r in rows] == [
        ("fleet-a", False),
        ("fleet-b", True),
    ]
    assert rows[0]["valid_to"] == rows[1]["valid_from"] <= datetime.now(UTC)
    assert not any((lake / "_tmp").glob("*"))  # no temporary file left
