"""Reading frames: the documented format, defaults, and clear errors."""

from __future__ import annotations

import json

import pytest

from roadsense.edge.adas import FrameError, ObjectType, parse_frame

EXAMPLE = (
    '{"t": 12.30, "ego": {"speed": 20.1, "accel": -0.2, "turn_signal": "none", "brake": false},'
    ' "objects": [{"id": 7, "type": "vehicle", "x": 42.0, "y": 0.1, "vx": -20.1, "ax": 0.0}],'
    ' "lanes": {"left": 1.2, "right": 0.9}, "speed_limit_kmh": 60}'
)


def test_the_documented_example() -> None:
    frame = parse_frame(EXAMPLE)
    assert frame.t == 12.3
    assert (frame.ego.speed, frame.ego.accel, frame.ego.turn_signal) == (20.1, -0.2, "none")
    (obj,) = frame.objects
    assert (obj.id, obj.type, obj.x, obj.y, obj.vx, obj.ax) == (
        7,
        ObjectType.VEHICLE,
        42.0,
        0.1,
        -20.1,
        0.0,
    )
    assert (frame.lanes.left, frame.lanes.right) == (1.2, 0.9)
    assert frame.speed_limit_kmh == 60


def test_only_t_is_required_and_unknown_fields_are_ignored() -> None:
    frame = parse_frame('{"t": 1, "future_field": [1, 2]}')
    assert frame.ego.speed is None
    assert frame.objects == ()
    assert frame.lanes.left is None
    obj = parse_frame('{"t": 1, "objects": [{"id": 1, "x": 5}]}').objects[0]
    assert (obj.type, obj.y, obj.vx, obj.ax) == (ObjectType.VEHICLE, 0.0, None, None)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nope", "not valid JSON"),
        ("[1, 2]", "frame: expected an object"),
        ('{"ego": {}}', "t: expected a number, got None"),
        ('{"t": "now"}', "t: expected a number, got 'now'"),
        ('{"t": NaN}', "t: expected a finite number"),
        ('{"t": 1e999}', "t: expected a finite number"),
        ('{"t": 1, "ego": {"speed": -3}}', "ego.speed: must not be negative"),
        ('{"t": 1, "ego": {"turn_signal": "hazard"}}', "ego.turn_signal"),
        ('{"t": 1, "ego": {"brake": "yes"}}', "ego.brake"),
        ('{"t": 1, "objects": {}}', "objects: expected a list"),
        ('{"t": 1, "objects": [{"x": 3}]}', "objects[0].id: expected an integer"),
        ('{"t": 1, "objects": [{"id": 1, "x": 3, "type": "tram"}]}', "objects[0].type"),
        ('{"t": 1, "objects": [{"id": 1, "x": 3}, {"id": 2, "x": true}]}', "objects[1].x"),
        ('{"t": 1, "objects": [{"id": 1, "x": 3}, {"id": 1, "x": 4}]}', "same id"),
        ('{"t": 1, "lanes": {"left": "far"}}', "lanes.left"),
        ('{"t": 1, "speed_limit_kmh": 0}', "speed_limit_kmh"),
        ("[" * 100000, "not valid JSON"),
    ],
)
def test_errors_name_the_field(line: str, message: str) -> None:
    with pytest.raises(FrameError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_frame(line)


def test_integers_and_nulls_are_accepted_where_numbers_are() -> None:
    frame = parse_frame(
        json.dumps(
            {"t": 3, "ego": {"speed": 10, "accel": None}, "lanes": {"left": None, "right": 1}}
        )
    )
    assert frame.t == 3.0
    assert frame.ego.accel is None
    assert frame.lanes.right == 1.0
