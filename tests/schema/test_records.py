"""The shared records: what they accept, what they refuse, and round trips."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from roadsense.schema import SCHEMA_VERSION, AdasEvent, Batch, EventType, Position, Record
from tests.factories import T0, batch, event, position

RECORD = TypeAdapter(Record)


def test_position_time_is_normalised_to_utc() -> None:
    seoul = timezone(timedelta(hours=9))
    p = Position(vehicle_id="v", time=datetime(2025, 1, 1, 9, tzinfo=seoul), lat=35.87, lon=128.6)
    assert p.time == datetime(2025, 1, 1, 0, tzinfo=UTC)
    assert p.time.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", 91.0),
        ("lon", -181.0),
        ("speed_mps", -1.0),
        ("heading_deg", 360.0),
        ("lat", float("nan")),
        ("vehicle_id", ""),
        ("vehicle_id", "has space"),
    ],
)
def test_position_rejects_out_of_range(field: str, value: object) -> None:
    data = position().model_dump()
    data[field] = value
    with pytest.raises(ValidationError) as info:
        Position.model_validate(data)
    assert info.value.errors()[0]["loc"][0] == field


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Position(vehicle_id="v", time=datetime(2025, 1, 1), lat=1.0, lon=2.0)


def test_unknown_fields_are_refused() -> None:
    data = position().model_dump()
    data["altitude"] = 3
    with pytest.raises(ValidationError, match="altitude"):
        Position.model_validate(data)


def test_event_without_position_must_say_no_fix() -> None:
    ok = event(lat=None, lon=None)
    assert ok.position_flag == "no_fix"
    with pytest.raises(ValidationError, match="no_fix"):
        AdasEvent(event_id=uuid.uuid4(), vehicle_id="v", time=T0, type=EventType.HMW, source="sim")
    with pytest.raises(ValidationError, match="together"):
        AdasEvent(
            event_id=uuid.uuid4(),
            vehicle_id="v",
            time=T0,
            type=EventType.HMW,
            source="sim",
            lat=60.0,
        )


def test_event_type_vocabulary_is_the_designed_one() -> None:
    assert {t.value for t in EventType} == {
        "FCW",
        "UFCW",
        "PCW",
        "PED_IN_DZ",
        "HMW",
        "LDW_LEFT",
        "LDW_RIGHT",
        "SPEEDING",
        "HARSH_BRAKE",
        "HARSH_ACCEL",
        "HARSH_TURN",
        "POTHOLE",
        "TAMPER",
        "FAILSAFE",
    }


def test_batch_round_trip_keeps_every_item_and_its_kind() -> None:
    b = batch([position(second=1), event(second=2), position(second=3)])
    back = Batch.model_validate_json(b.model_dump_json())
    assert back == b
    assert [type(i).__name__ for i in back.items] == ["Position", "AdasEvent", "Position"]
    assert back.schema_version == SCHEMA_VERSION


def test_batch_from_a_newer_schema_is_refused() -> None:
    data = batch([position()]).model_dump(mode="json")
    data["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ValidationError, match="newer"):
        Batch.model_validate(data)


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValidationError):
        Batch(batch_id=uuid.uuid4(), device_id="d", items=[])


coordinates = st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))


@given(
    coords=coordinates,
    speed=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    heading=st.one_of(st.none(), st.floats(0, 359.99, allow_nan=False)),
    seconds=st.integers(0, 10**9),
)
def test_any_valid_position_survives_json(
    coords: tuple[float, float], speed: float | None, heading: float | None, seconds: int
) -> None:
    p = Position(
        vehicle_id="taxi-7",
        time=T0 + timedelta(seconds=seconds),
        lat=coords[0],
        lon=coords[1],
        speed_mps=speed,
        heading_deg=heading,
    )
    assert RECORD.validate_json(p.model_dump_json()) == p


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.none()),
        max_size=6,
    )
)
def test_arbitrary_json_objects_either_validate_or_raise_validation_error(
    data: dict[str, object],
) -> None:
    data = {"kind": "position", **data}
    try:
        RECORD.validate_python(data)
    except ValidationError:
        return
    raise AssertionError(f"accepted a position without required fields: {data}")
