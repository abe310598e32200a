"""The Spark types of the lake's columns come from the lake's own schema."""

from __future__ import annotations

import pytest

from roadsense.spark.lake_reads import (
    EVENT_COLUMNS,
    MATCHED_EVENT_COLUMNS,
    MATCHED_POSITION_COLUMNS,
    POSITION_COLUMNS,
    _ddl,
)


def test_an_empty_table_has_the_lake_schemas_types() -> None:
    assert _ddl("positions", POSITION_COLUMNS) == (
        "vehicle_id string, ts timestamp, speed_mps double, h3_cell long"
    )
    assert _ddl("events", EVENT_COLUMNS) == (
        "event_id string, vehicle_id string, ts timestamp, type string, lat double, "
        "lon double, h3_cell long"
    )
    assert _ddl("matched_positions", MATCHED_POSITION_COLUMNS) == (
        "vehicle_id string, ts timestamp, matched boolean, segment_id string, speed_mps double"
    )
    assert _ddl("matched_events", MATCHED_EVENT_COLUMNS) == (
        "event_id string, matched boolean, segment_id string, road_lon double, road_lat double"
    )
    assert _ddl("events", ("level",)) == "level int"


def test_a_column_the_lake_lacks_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        _ddl("positions", ("no_such_column",))
