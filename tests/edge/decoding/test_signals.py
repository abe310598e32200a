"""Each Mobileye message decodes to the signals the reference documents (bit by bit)."""

from __future__ import annotations

from collections import Counter

import pytest

from roadsense.edge.decoding.config import SoundFamily
from roadsense.edge.decoding.signals import SignalDecoder, SignalError, load_dbc
from roadsense.edge.decoding.warnings_700 import SOUND_TYPES, active_warnings
from roadsense.schema import EventType

E = EventType


@pytest.fixture(scope="module")
def dec() -> SignalDecoder:
    return SignalDecoder()


def data(**byte_values: int) -> bytes:
    out = bytearray(8)
    for key, value in byte_values.items():
        out[int(key[1:])] = value
    return bytes(out)


def test_the_dbc_has_every_documented_message() -> None:
    ids = {m.frame_id for m in load_dbc().messages}
    expected = {0x700, 0x760, 0x737, 0x738, *range(0x720, 0x728), *range(0x766, 0x76A)}
    expected |= set(range(0x739, 0x760))  # 13 obstacles, three frames each
    assert ids == expected
    assert all(m.length == 8 and not m.is_extended_frame for m in load_dbc().messages)


def test_0x700_bits(dec: SignalDecoder) -> None:
    # sound 6, night; zero speed; headway 2.5 s valid; error 9; left LDW + FCW + failsafe;
    # PCW + tamper + TSR enabled; TSR level 3; headway warning level 2
    sig = dec.decode(
        0x700,
        data(b0=6 | (2 << 3), b1=1 << 5, b2=1 | (25 << 1), b3=1 | (9 << 1), b4=0b10001010,
             b5=(1 << 1) | (1 << 5) | (1 << 7), b6=3, b7=2),
    )  # fmt: skip
    assert sig["SoundType"] == 6
    assert sig["TimeIndicator"] == 2
    assert sig["ZeroSpeed"] == 1
    assert sig["HeadwayValid"] == 1
    assert sig["HeadwayMeasurement"] == pytest.approx(2.5)
    assert (sig["ErrorValid"], sig["ErrorCode"]) == (1, 9)
    assert (sig["LDWOff"], sig["LeftLDW"], sig["RightLDW"], sig["FCWOn"]) == (0, 1, 0, 1)
    assert (sig["Maintenance"], sig["Failsafe"]) == (0, 1)
    assert (sig["PedsFCW"], sig["PedsInDZ"], sig["TamperAlert"], sig["TSREnabled"]) == (1, 0, 1, 1)
    assert sig["TSRWarningLevel"] == 3
    assert sig["HeadwayWarningLevel"] == 2
    other = dec.decode(0x700, data(b4=(1 << 2) | (1 << 6), b5=1 << 2))
    assert (other["RightLDW"], other["Maintenance"], other["PedsInDZ"]) == (1, 1, 1)


def test_0x760_car_info(dec: SignalDecoder) -> None:
    sig = dec.decode(0x760, data(b0=0b00100101, b1=0b10111111, b2=87))
    assert (sig["Brakes"], sig["LeftSignal"], sig["RightSignal"], sig["HighBeam"]) == (1, 0, 1, 1)
    assert all(sig[f"{n}Available"] for n in ("Brakes", "Wipers", "LowBeam", "HighBeam"))
    assert (sig["SpeedAvailable"], sig["Speed"]) == (1, 87)


def test_0x737_own_lane(dec: SignalDecoder) -> None:
    curvature = (-1000) & 0xFFFF
    heading = (-200) & 0xFFF
    sig = dec.decode(
        0x737,
        data(b0=curvature & 0xFF, b1=curvature >> 8, b2=heading & 0xFF,
             b3=(heading >> 8) | (1 << 4) | (1 << 6)),
    )  # fmt: skip
    assert sig["Curvature"] == pytest.approx(-1000 * 3.81e-6)
    assert sig["Heading"] == pytest.approx(-200 * 0.0005)
    assert (sig["ConstructionArea"], sig["RightLDWAvailable"], sig["LeftLDWAvailable"]) == (1, 0, 1)


def test_0x738_obstacle_status(dec: SignalDecoder) -> None:
    sig = dec.decode(0x738, data(b0=4, b1=77, b2=1 << 3, b5=1 | (5 << 1)))
    assert (sig["NumObstacles"], sig["Timestamp"]) == (4, 77)
    assert (sig["LeftCloseRangeCutIn"], sig["RightCloseRangeCutIn"]) == (0, 1)
    assert (sig["CloseCar"], sig["Failsafe"]) == (1, 5)


def test_obstacle_frames(dec: SignalDecoder) -> None:
    pos_x = int(31.25 / 0.0625)  # 500
    pos_y = (-16) & 0x3FF  # -1 m
    vel_x = (-40) & 0xFFF  # -2.5 m/s
    a = data(b0=7, b1=pos_x & 0xFF, b2=pos_x >> 8, b3=pos_y & 0xFF, b4=pos_y >> 8,
             b5=vel_x & 0xFF, b6=(vel_x >> 8) | (3 << 4), b7=3 | (1 << 3) | (2 << 6))  # fmt: skip
    for i in (0, 12):
        sig = dec.decode(0x739 + 3 * i, a)
        assert sig["ObstacleId"] == 7
        assert sig["PosX"] == pytest.approx(31.25)
        assert sig["PosY"] == pytest.approx(-1.0)
        assert sig["VelX"] == pytest.approx(-2.5)
        assert (sig["Type"], sig["Status"], sig["BrakeLights"], sig["Valid"]) == (3, 3, 1, 2)
    b = dec.decode(0x73A, data(b0=9, b1=36, b2=120, b3=1 | (1 << 2)))
    assert b["Length"] == pytest.approx(4.5)
    assert b["Width"] == pytest.approx(1.8)
    assert b["Age"] == 120
    assert (b["Lane"], b["CIPV"]) == (1, 1)
    accel = (-10) & 0x3FF
    c = dec.decode(0x73B, data(b0=100, b4=accel & 0xFF, b5=accel >> 8, b6=0x2C, b7=0x01))
    assert c["AngleRate"] == pytest.approx(1.0)
    assert c["Accel"] == pytest.approx(-0.3)
    assert c["Angle"] == pytest.approx(3.0)


@pytest.mark.parametrize(("frame_a", "frame_b"), [(0x766, 0x767), (0x768, 0x769)])
def test_lane_marking_frames(dec: SignalDecoder, frame_a: int, frame_b: int) -> None:
    c0 = (-448) & 0xFFFF  # -1.75 m
    sig = dec.decode(frame_a, data(b0=1 | (3 << 4) | (3 << 6), b1=c0 & 0xFF, b2=c0 >> 8, b7=15))
    assert (sig["LaneType"], sig["Quality"], sig["ModelDegree"]) == (1, 3, 3)
    assert sig["C0"] == pytest.approx(-1.75)
    assert sig["MarkingWidth"] == pytest.approx(0.15)
    view = int(42.5 * 256)
    b = dec.decode(frame_b, data(b2=view & 0xFF, b3=(view >> 8) | 0x80))
    assert b["ViewRange"] == pytest.approx(42.5)
    assert b["ViewRangeAvailable"] == 1


@pytest.mark.parametrize("frame_id", range(0x720, 0x728))
def test_sign_frames(dec: SignalDecoder, frame_id: int) -> None:
    sig = dec.decode(frame_id, data(b0=4, b1=2, b2=60, b3=0xF9, b4=3))
    assert (sig["SignType"], sig["SupplementarySign"]) == (4, 2)
    assert (sig["PosX"], sig["PosY"], sig["PosZ"]) == (30.0, -3.5, 1.5)


def test_unknown_id_is_a_signal_error(dec: SignalDecoder) -> None:
    with pytest.raises(SignalError):
        dec.decode(0x123, bytes(8))


def _warnings(
    family: SoundFamily, counters: Counter[str] | None = None, **signals: int
) -> dict[EventType, int]:
    sig = SignalDecoder().decode(0x700, bytes(8)).copy()
    sig.update(signals)
    active = active_warnings(sig, family, {}, None, Counter() if counters is None else counters)
    return {k: o.level for k, o in active.items()}


def test_sound_families_differ_where_the_firmware_differs() -> None:
    assert _warnings("me8", SoundType=5) == {E.UFCW: 2}
    assert _warnings("me560", SoundType=5) == {E.FCW: 2}  # soft FCW
    assert _warnings("me560", SoundType=6) == {E.FCW: 3}  # hard FCW
    assert _warnings("me8", SoundType=6) == {E.FCW: 2}
    assert _warnings("me8", SoundType=6, PedsFCW=1) == {E.PCW: 2}
    assert _warnings("me8", SoundType=4) == {E.SPEEDING: 2}
    assert _warnings("me560", SoundType=4) == {E.HMW: 3}  # near headway
    assert _warnings("me560", SoundType=3) == {E.HMW: 2}  # far headway
    assert _warnings("me8", SoundType=7) == {E.PED_IN_DZ: 2}
    counters: Counter[str] = Counter()
    assert _warnings("me560", counters, SoundType=7) == {}  # reserved: counted only
    assert counters == {"can_reserved_sound": 1}
    for family in SOUND_TYPES:
        assert _warnings(family, SoundType=1) == {E.LDW_LEFT: 2}
        assert _warnings(family, SoundType=2) == {E.LDW_RIGHT: 2}


def test_bits_and_levels_without_sound() -> None:
    assert _warnings("me8") == {}
    assert _warnings("me8", LeftLDW=1, RightLDW=1) == {E.LDW_LEFT: 1, E.LDW_RIGHT: 1}
    assert _warnings("me8", HeadwayWarningLevel=1) == {}  # green: no warning
    assert _warnings("me8", HeadwayWarningLevel=2) == {E.HMW: 1}
    assert _warnings("me8", HeadwayWarningLevel=3) == {E.HMW: 2}
    assert _warnings("me8", FCWOn=1, SoundType=5) == {E.UFCW: 2}  # one warning, not two
    assert _warnings("me8", PedsInDZ=1, TSRWarningLevel=2) == {E.PED_IN_DZ: 1, E.SPEEDING: 1}
    assert _warnings("me8", Failsafe=1, TamperAlert=1) == {E.FAILSAFE: 0, E.TAMPER: 0}
