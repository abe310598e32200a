"""Write the recorded logs the decoding tests read (run it again after changing the DBC).

    .venv/bin/python -m tests.edge.decoding.make_fixtures

A 40 s drive of one taxi in Daegu with a Mobileye 8 Connect unit (every frame encoded with
our DBC by cantools, written by python-can's candump and ASC writers) and the GPS (NMEA) and
IMU (CSV) logs of the same drive; a short Mobileye 560 log; and logs full of bad input.
The scripted timeline is in ``SCRIPT`` below; the tests assert against it.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import can
import pynmea2

from roadsense.edge.decoding.signals import load_dbc

DATA = Path(__file__).parent / "data"
T0 = datetime(2020, 6, 1, 8, 0, tzinfo=UTC).timestamp()
CYCLE_S = 0.1
DRIVE_S = 40.0
START = (35.8714, 128.6014)
SPEED_KMH = 55
SPEED_MPS = SPEED_KMH / 3.6

# The scripted drive (seconds after T0; frames at 0.05, 0.15, ...):
SCRIPT = {
    "closing": (4.0, 6.2),  # CIPV 0 closes in at 8 m/s: 15 m away at 5.0
    "fcw": (5.0, 6.2),  # FCWOn + sound 6: TTC 15 m / 8 m/s at onset
    "hmw": (10.0, 13.0),  # headway warning level 2, level 3 from 11.0 to 12.0
    "drift_left": (14.5, 15.5),  # left marking 1.0 m from the camera: 0.1 m from the tyre
    "ldw_left": (15.0, 15.5),  # LeftLDW + sound 1
    "sign_50": (17.0, 19.0),  # 0x720 speed limit 50 in view; 0x727 shows 50 from 18.0
    "speeding": (20.0, 21.0),  # TSR warning level 2 + sound 4
    "gps_gap": (21.5, 27.5),  # no NMEA sentences
    "ped_in_dz": (24.0, 24.8),  # PedsInDZ + sound 7: no fix within 2 s
    "ldw_right": (29.0, 29.6),  # RightLDW, off from 29.2 to 29.4 (one episode)
    "tamper": (31.0, 32.0),
    "error_5": (32.0, 33.0),
    "failsafe_738": (33.0, 34.0),
    "silent": (35.0, 38.0),  # no CAN frames at all
}


def within(t: float, name: str) -> bool:
    a, b = SCRIPT[name]
    return a <= t < b


def encoder() -> dict[int, tuple[can.Message, dict[str, float]]]:
    db = load_dbc()
    return {m.frame_id: (m, {s.name: 0 for s in m.signals}) for m in db.messages}  # type: ignore[misc]


ENC = None


def frame(t: float, frame_id: int, **signals: float) -> can.Message:
    global ENC
    if ENC is None:
        ENC = encoder()
    message, zeros = ENC[frame_id]
    data = message.encode({**zeros, **signals})  # type: ignore[attr-defined]
    return can.Message(timestamp=t, arbitration_id=frame_id, is_extended_id=False, data=data)


def cycle_me8(t: float) -> Iterator[can.Message]:
    rel = t - T0
    w: dict[str, float] = {"TSREnabled": 1}
    if within(rel, "fcw"):
        w |= {"FCWOn": 1, "SoundType": 6, "HeadwayValid": 1, "HeadwayMeasurement": 1.2}
    if within(rel, "hmw"):
        level = 3 if 11.0 <= rel < 12.0 else 2
        w |= {"HeadwayValid": 1, "HeadwayMeasurement": 0.6, "HeadwayWarningLevel": level}
    if within(rel, "ldw_left"):
        w |= {"LeftLDW": 1, "SoundType": 1}
    if within(rel, "speeding"):
        w |= {"TSRWarningLevel": 2, "SoundType": 4}
    if within(rel, "ped_in_dz"):
        w |= {"PedsInDZ": 1, "SoundType": 7}
    if within(rel, "ldw_right") and not 29.2 <= rel < 29.4:
        w |= {"RightLDW": 1}
    if within(rel, "tamper"):
        w |= {"TamperAlert": 1}
    if within(rel, "error_5"):
        w |= {"ErrorValid": 1, "ErrorCode": 5}
    yield from cycle_frames(
        t, w, closing=within(rel, "closing"), failsafe=within(rel, "failsafe_738")
    )


def cycle_frames(
    t: float, warnings: dict[str, float], *, closing: bool = False, failsafe: bool = False
) -> Iterator[can.Message]:
    rel = t - T0
    dt = 0.0005
    yield frame(t, 0x700, **warnings)
    yield frame(t + dt, 0x760, SpeedAvailable=1, Speed=SPEED_KMH, LowBeam=1, LowBeamAvailable=1)
    yield frame(t + 2 * dt, 0x737, Curvature=0.0001, Heading=0.01, LeftLDWAvailable=1)
    yield frame(
        t + 3 * dt,
        0x738,
        NumObstacles=2,
        Timestamp=int(rel * 10) % 256,
        Failsafe=3 if failsafe else 0,
    )
    obstacles = [
        (15.0 - (rel - 5.0) * 8.0 if closing else 40.0, -8.0 if closing else 0.0, 1),
        (60.0, 2.0, 0),
    ]
    k = 4
    for i, (x, vx, cipv) in enumerate(obstacles):
        base = 0x739 + 3 * i
        yield frame(
            t + k * dt,
            base,
            ObstacleId=i + 1,
            PosX=max(0.0, x),
            PosY=0.5,
            VelX=vx,
            Type=0,
            Status=3,
            Valid=2,
        )
        yield frame(t + (k + 1) * dt, base + 1, Length=4.5, Width=1.8, Age=50, Lane=1, CIPV=cipv)
        yield frame(
            t + (k + 2) * dt, base + 2, AngleRate=0.5, ScaleChange=0.001, Accel=-0.3, Angle=1.0
        )
        k += 3
    left_c0 = 1.0 if within(rel, "drift_left") else 1.7
    yield frame(
        t + k * dt, 0x766, LaneType=0, Quality=3, ModelDegree=3, C0=left_c0, MarkingWidth=0.15
    )
    yield frame(t + (k + 1) * dt, 0x767, C1=0.001, ViewRange=60.0, ViewRangeAvailable=1)
    yield frame(
        t + (k + 2) * dt, 0x768, LaneType=1, Quality=2, ModelDegree=3, C0=-1.8, MarkingWidth=0.12
    )
    yield frame(t + (k + 3) * dt, 0x769, C1=0.001, ViewRange=45.0, ViewRangeAvailable=1)
    k += 4
    if within(rel, "sign_50"):
        yield frame(t + k * dt, 0x720, SignType=4, PosX=30.0, PosY=3.5, PosZ=1.5)
    else:
        yield frame(t + k * dt, 0x720, SignType=255)
    yield frame(t + (k + 1) * dt, 0x727, SignType=4 if rel >= 18.0 else 255)


def drive_frames() -> list[can.Message]:
    frames: list[can.Message] = []
    n = int(DRIVE_S / CYCLE_S)
    for i in range(n):
        t = T0 + 0.05 + i * CYCLE_S
        if within(t - T0, "silent"):
            continue
        frames.extend(cycle_me8(t))
    return frames


def me560_frames() -> list[can.Message]:
    """10 s of a Mobileye 560: soft then hard FCW, near headway, a reserved sound."""
    frames: list[can.Message] = []
    for i in range(100):
        rel = 0.05 + i * CYCLE_S
        w: dict[str, float] = {}
        if 2.0 <= rel < 2.5:
            w = {"FCWOn": 1, "SoundType": 5}
        elif 2.5 <= rel < 3.0:
            w = {"FCWOn": 1, "SoundType": 6}
        elif 6.0 <= rel < 7.0:
            w = {
                "SoundType": 4,
                "HeadwayWarningLevel": 3,
                "HeadwayValid": 1,
                "HeadwayMeasurement": 0.4,
            }
        elif 8.0 <= rel < 8.2:
            w = {"SoundType": 7}
        frames.extend(cycle_frames(T0 + rel, w))
    return frames


def write_candump(path: Path, frames: list[can.Message]) -> None:
    with can.CanutilsLogWriter(path, channel="can0") as writer:
        for msg in frames:
            writer.on_message_received(msg)


def write_asc(path: Path, frames: list[can.Message]) -> None:
    os.environ["TZ"] = "UTC"  # ASC keeps wall-clock times; ours are UTC
    time.tzset()
    with can.ASCWriter(path) as writer:
        for msg in frames:
            writer.on_message_received(msg)
    lines = path.read_text().splitlines()
    lines[0] = "date Mon Jun 01 08:00:00.000 2020"  # the writer puts the time it ran
    # python-can 4.6 writes the milliseconds without zero padding (".50" for 50 ms)
    start = datetime.fromtimestamp(frames[0].timestamp, UTC)
    ms = start.microsecond // 1000
    lines[3] = f"Begin Triggerblock {start.strftime('%a %b %d %H:%M:%S')}.{ms:03d} {start.year}"
    path.write_text("\n".join(lines) + "\n")


def nmea(body: str) -> str:
    return f"${body}*{pynmea2.NMEASentence.checksum(body):02X}"


def ddmm(value: float, pos: str, neg: str, width: int) -> tuple[str, str]:
    hemi = pos if value >= 0 else neg
    value = abs(value)
    deg = int(value)
    minutes = (value - deg) * 60.0
    return f"{deg:0{width}d}{minutes:07.4f}", hemi


def fix_at(rel: float) -> tuple[float, float]:
    d = SPEED_MPS * rel
    lat = START[0]
    lon = START[1] + d / (111_320.0 * math.cos(math.radians(lat)))
    return lat, lon


def drive_nmea() -> list[str]:
    lines = []
    for sec in range(int(DRIVE_S) + 1):
        if within(float(sec), "gps_gap"):
            continue
        when = datetime.fromtimestamp(T0 + sec, UTC)
        hms = when.strftime("%H%M%S") + ".00"
        lat, lon = fix_at(float(sec))
        la, ns = ddmm(lat, "N", "S", 2)
        lo, ew = ddmm(lon, "E", "W", 3)
        knots = SPEED_MPS / (1852 / 3600)
        lines.append(nmea(f"GPGGA,{hms},{la},{ns},{lo},{ew},1,09,0.8,48.0,M,25.0,M,,"))
        lines.append(
            nmea(
                f"GPRMC,{hms},A,{la},{ns},{lo},{ew},{knots:.2f},90.0,{when.strftime('%d%m%y')},,,A"
            )
        )
        lines.append(nmea(f"GPVTG,90.0,T,,M,{knots:.2f},N,{SPEED_KMH:.1f},K,A"))
    return lines


def drive_imu() -> list[str]:
    rng = random.Random(3)
    lines = ["time,ax,ay,az"]
    for i in range(int(20.0 * 50)):
        rel = i / 50.0
        ax = rng.gauss(0.0, 0.15)
        ay = rng.gauss(0.0, 0.15)
        az = 9.80665 + rng.gauss(0.0, 0.2)
        if 8.0 <= rel < 8.6:
            ax = -4.6
        if 16.0 <= rel < 16.08:
            az = 9.80665 + 8.5
        lines.append(f"{T0 + rel:.3f},{ax:.3f},{ay:.3f},{az:.3f}")
    return lines


def corrupt_candump(frames: list[can.Message]) -> list[str]:
    good = [
        f"({m.timestamp:.6f}) can0 {m.arbitration_id:03X}#{m.data.hex().upper()}" for m in frames
    ]
    t = frames[-1].timestamp
    bad = [
        "this is not a candump line",
        f"({t:.6f}) can0 700#ZZ00000000000000",  # bad hex
        f"({t:.6f}) can0 700#0000000000",  # 5 bytes: wrong DLC
        f"({t:.6f}) can0 123#0102030405060708",  # unknown id
        f"({t:.6f}) can0 00000700#0000000000000000",  # extended id
        f"({t:.6f}) can0 700#R",  # remote frame
        f"({t:.6f}) can0 20000080#0000000000000000",  # error frame
        f"({t - 5:.6f}) can0 760#0080370000000000",  # time going backwards
        "(garbage) can0 700#00",
    ]
    return good[:20] + bad + good[20:]


def corrupt_nmea() -> list[str]:
    good = drive_nmea()[:12]
    body = good[1][1:-3]
    return [
        *good[:3],
        f"${body}*00",  # bad checksum
        "\x00\x17garbage\xff",
        "$GPRMC,garbage",  # no checksum (strict)
        nmea("GPRMC,080001.00,V,,,,,,,010620,,,N"),  # receiver has no fix
        nmea("GPXYZ,1,2,3"),  # unknown sentence
        *good[3:6],
        good[1],  # time going backwards (a second earlier)
        nmea("GPRMC,080009.00,A,9912.0000,N,12836.0840,E,29.70,90.0,010620,,,A"),  # lat > 90
        *good[6:],
    ]


def main() -> None:
    DATA.mkdir(exist_ok=True)
    frames = drive_frames()
    write_candump(DATA / "drive_me8.log", frames)
    write_asc(DATA / "drive_me8_first12s.asc", [m for m in frames if m.timestamp < T0 + 12])
    write_candump(DATA / "me560.log", me560_frames())
    (DATA / "drive.nmea").write_text("\r\n".join(drive_nmea()) + "\r\n")
    (DATA / "drive_imu.csv").write_text("\n".join(drive_imu()) + "\n")
    (DATA / "corrupt.log").write_text("\n".join(corrupt_candump(frames[:40])) + "\n")
    (DATA / "corrupt.nmea").write_text("\n".join(corrupt_nmea()) + "\n", errors="replace")
    for path in sorted(DATA.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
