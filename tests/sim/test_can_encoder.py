"""The simulator's fast frame encoder gives the bytes cantools gives, for every signal."""

from __future__ import annotations

import io
import math
from collections import Counter

import can
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.signals import SignalDecoder, load_dbc
from roadsense.sim.can_encoder import FrameEncoder, candump_line

MESSAGES = load_dbc().messages
ENCODER = FrameEncoder()


@st.composite
def message_values(draw: st.DrawFn) -> tuple[int, dict[str, float]]:
    message = draw(st.sampled_from(MESSAGES))
    values: dict[str, float] = {}
    for s in message.signals:
        assert s.minimum is not None
        assert s.maximum is not None  # every signal of our DBC has its range
        lo, hi = float(s.minimum), float(s.maximum)
        # raw values whose scaled value stays inside the DBC's range (which is rounded)
        raw = draw(
            st.integers(
                math.ceil((lo - s.offset) / s.scale - 1e-9),
                math.floor((hi - s.offset) / s.scale + 1e-9),
            )
        )
        if not lo <= raw * s.scale + s.offset <= hi:
            raw += 1 if raw * s.scale + s.offset < lo else -1
        values[s.name] = raw * s.scale + s.offset
        if draw(st.booleans()):  # and off the grid, so rounding is checked too
            values[s.name] = min(
                hi, max(lo, values[s.name] + draw(st.floats(-0.49, 0.49)) * s.scale)
            )
    return message.frame_id, values


@settings(max_examples=400, deadline=None)
@given(message_values())
def test_the_same_bytes_as_cantools(case: tuple[int, dict[str, float]]) -> None:
    frame_id, values = case
    expected = load_dbc().get_message_by_frame_id(frame_id).encode(values)
    assert ENCODER.encode(frame_id, **values) == expected


def test_signals_not_given_are_zero_and_values_beyond_the_field_are_clamped() -> None:
    data = ENCODER.encode(0x739, PosX=400.0, VelX=-500.0)  # beyond 250 m and -128 m/s
    sig = SignalDecoder().decode(0x739, data)
    assert sig["PosX"] == 250.0
    assert sig["VelX"] == -128.0
    assert sig["ObstacleId"] == 0
    assert ENCODER.encode(0x700) == bytes(8)


def test_an_unknown_signal_is_an_error() -> None:
    with pytest.raises(KeyError):
        ENCODER.encode(0x700, NoSuchSignal=1)


def test_candump_lines_read_back_with_python_can(tmp_path) -> None:
    path = tmp_path / "x.log"
    data = ENCODER.encode(0x760, Speed=42, SpeedAvailable=1)
    path.write_text(
        candump_line(1748851200.05, 0x760, data) + candump_line(1748851200.1, 0x700, bytes(8))
    )
    frames = list(read_can_log(path, Counter()))
    assert [(m.timestamp, m.arbitration_id, bytes(m.data)) for m in frames] == [
        (1748851200.05, 0x760, data),
        (1748851200.1, 0x700, bytes(8)),
    ]
    assert all(isinstance(m, can.Message) and not m.is_extended_id for m in frames)
    assert io.StringIO(path.read_text()).readline().startswith("(1748851200.050000) can0 760#")
