"""How long the engine takes per frame: ``.venv/bin/python -m tests.edge.adas.timing``.

Eight seconds of traffic at 15 Hz with 10 objects (cars ahead in three lanes, a truck, a
closing stopped car, pedestrians and a cyclist), sensor noise on. Prints the CPU time of
``parse_frame`` and of ``WarningEngine.step`` per frame and per object.
"""

from __future__ import annotations

import json
import time

from roadsense.edge.adas import WarningEngine, parse_frame

from .scenarios import KMH, Actor, Motion, Scenario, frames, lane_drift

HZ = 15
BUSY_STREET = Scenario(
    "busy street",
    ego=Motion(0.0, 60 * KMH),
    actors=(
        Actor(1, "vehicle", Motion(30.0, 60 * KMH)),
        Actor(2, "vehicle", Motion(20.0, 55 * KMH), y0=3.5),
        Actor(3, "truck", Motion(45.0, 65 * KMH), y0=-3.5),
        Actor(4, "vehicle", Motion(70.0, 62 * KMH)),
        Actor(5, "motorcycle", Motion(15.0, 58 * KMH), y0=3.2),
        Actor(6, "vehicle", Motion(145.0, 0.0), y0=-3.5),
        Actor(7, "pedestrian", Motion(140.0, 1.2), y0=5.0),
        Actor(8, "pedestrian", Motion(145.0, -1.2), y0=-5.0),
        Actor(9, "bicycle", Motion(148.0, 15 * KMH), y0=-2.8),
        Actor(10, "vehicle", Motion(100.0, 60 * KMH), y0=3.5),
    ),
    duration=8.0,
    lanes=lane_drift(0.05, "left", start=2.0, inside=0.85),
    speed_limit_kmh=50.0,
)


def main() -> None:
    """Time parsing and the engine over the frames (best of 20 runs)."""
    lines = [json.dumps(f) for f in frames(BUSY_STREET, HZ, seed=1)]
    start = time.process_time()
    parsed = [parse_frame(line) for line in lines]
    parse_s = time.process_time() - start
    objects = sum(len(f.objects) for f in parsed)
    best = float("inf")
    for _ in range(20):
        engine = WarningEngine()
        start = time.process_time()
        for frame in parsed:
            engine.step(frame)
        best = min(best, time.process_time() - start)
    n = len(parsed)
    print(f"{n} frames, {objects / n:.1f} objects per frame")
    print(f"parse_frame: {parse_s / n * 1e6:.0f} us/frame")
    print(f"engine.step: {best / n * 1e6:.0f} us/frame, {best / objects * 1e6:.1f} us/object")
    print(f"at {HZ} Hz: {(parse_s + best) / n * HZ * 1e3:.2f} ms CPU per second of traffic")


if __name__ == "__main__":
    main()
