"""Bad input is counted and reported in DeviceStatus, and never crashes a decoder."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import can
from hypothesis import given, settings
from hypothesis import strategies as st

from roadsense.edge.decoding.can_input import CanInputError, read_can_log
from roadsense.edge.decoding.config import EdgeConfig, SoundFamily
from roadsense.edge.decoding.decoder import EdgeDecoder
from roadsense.edge.decoding.imu import parse_imu_line
from roadsense.edge.decoding.line_sources import file_lines
from roadsense.edge.decoding.nmea import NmeaParser
from roadsense.edge.decoding.signals import load_dbc
from roadsense.schema import DeviceStatus, Position

from .conftest import DATA, VEHICLE, decode, of_kind

KNOWN_IDS = sorted(m.frame_id for m in load_dbc().messages)


def test_corrupt_candump_lines_are_counted_and_reading_goes_on() -> None:
    records, decoder = decode("corrupt.log")
    assert decoder.frames == 40 + 1  # every good frame, and the one whose time went backwards
    assert dict(decoder.counters) == {
        "can_corrupt_lines": 3,  # not a frame, bad hex, bad timestamp
        "can_wrong_dlc": 1,
        "can_unknown_id": 2,  # 0x123 and an extended id
        "can_remote_frames": 1,
        "can_error_frames": 1,
        "can_time_backwards": 1,
    }
    assert of_kind(records, DeviceStatus)[-1].counters == dict(decoder.counters)


def test_bad_nmea_is_counted() -> None:
    counters: Counter[str] = Counter()
    parser = NmeaParser(VEHICLE, counters)
    fixes = [p for line in file_lines(DATA / "corrupt.nmea") if (p := parser.feed(line))]
    assert dict(counters) == {
        "nmea_bad_checksum": 2,  # a wrong one, and none at all (strict checking)
        "nmea_garbage": 1,
        "nmea_parse_error": 1,  # unknown sentence
        "nmea_no_fix": 1,
        "nmea_time_backwards": 1,
        "nmea_invalid_fix": 1,  # latitude 99
    }
    assert len(fixes) == 5  # four good seconds and the one that went backwards (kept)
    assert all(isinstance(p, Position) for p in fixes)


def frame(t: float, frame_id: int, data: bytes) -> can.Message:
    return can.Message(timestamp=t, arbitration_id=frame_id, is_extended_id=False, data=data)


def test_time_going_backwards_on_the_bus_keeps_episodes_in_order() -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE))
    fcw = bytes([6, 0, 0, 0, 0x08, 0, 0, 0])
    for t in (100.0, 100.1, 99.0, 100.2):
        decoder.on_frame(frame(t, 0x700, fcw))
    assert decoder.counters["can_time_backwards"] == 1
    out = decoder.finish()
    (event,) = [r for r in out if r.kind == "event"]
    assert event.duration_s == 0.2


def test_a_unit_that_never_speaks_is_reported_silent() -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, silent_after_s=2.0))
    assert decoder.tick(1000.0) == []
    (status,) = decoder.tick(1002.5)
    assert isinstance(status, DeviceStatus)
    assert status.adas_silent
    assert decoder.tick(1003.0) == []  # said once
    out = decoder.on_frame(frame(1003.5, 0x760, bytes(8)))
    assert [s.adas_silent for s in out if isinstance(s, DeviceStatus)] == [False]


def test_the_heartbeat_carries_the_counters() -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, status_every_s=10.0))
    out = []
    for i in range(120):
        t = 1000.0 + i * 0.1
        out += decoder.on_frame(frame(t, 0x700, bytes(3)))
        out += decoder.on_frame(frame(t, 0x760, bytes(8)))
    (beat,) = [r for r in out if isinstance(r, DeviceStatus)]
    assert beat.time.timestamp() == 1010.0
    assert beat.counters == {"can_wrong_dlc": 101}  # the 0x700 frames of 1000.0 .. 1010.0
    assert beat.uptime_s == 10.0


frames = st.builds(
    can.Message,
    timestamp=st.floats(allow_nan=True, allow_infinity=True),
    arbitration_id=st.one_of(st.sampled_from(KNOWN_IDS), st.integers(0, 0x7FF)),
    data=st.binary(max_size=8),
    is_extended_id=st.booleans(),
    is_remote_frame=st.booleans(),
    is_error_frame=st.booleans(),
    check=st.just(False),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(frames, max_size=40), st.sampled_from(["me8", "me560"]))
def test_arbitrary_frames_never_raise(msgs: list[can.Message], family: SoundFamily) -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, sound_family=family))
    for msg in msgs:
        decoder.on_frame(msg)
    decoder.finish()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=100),
            st.sampled_from(list(file_lines(DATA / "drive.nmea"))[:9]).map(
                lambda s: s[: len(s) // 2]
            ),
            st.from_regex(r"\$GP(RMC|GGA|VTG),[0-9A-Z.,]{0,60}\*[0-9A-F]{2}", fullmatch=True),
        ),
        max_size=30,
    )
)
def test_arbitrary_nmea_and_imu_lines_never_raise(lines: list[str]) -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE))
    for line in lines:
        decoder.on_nmea_line(line)
        decoder.on_imu_line(line)
        parse_imu_line(line, decoder.counters)
    decoder.finish()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="()0123456789.#abcdefABCDEFRcan \t-x", max_size=60),
            st.text(max_size=40),
        ),
        max_size=20,
    ),
    st.sampled_from([".log", ".asc"]),
)
def test_arbitrary_log_lines_never_crash(lines: list[str], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x{suffix}"
        path.write_text("\n".join(lines), encoding="utf-8", errors="replace")
        decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE))
        frames = 0
        try:
            for msg in read_can_log(path, decoder.counters):
                frames += 1
                decoder.on_frame(msg)
        except CanInputError:
            # the one error allowed: a non-empty log in which nothing is a frame
            assert frames == 0
            assert path.read_bytes().strip()
        decoder.finish()
