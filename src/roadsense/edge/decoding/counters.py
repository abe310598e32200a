"""Bad-input counters shared by the decoding layers and reported in DeviceStatus.

Names are stable (they become keys of ``DeviceStatus.counters``): ``can_*`` for frames,
``nmea_*`` for GPS sentences, ``imu_*`` for IMU samples, ``stage_failed_*`` for pipeline
stages that could not enrich a record.
"""

from __future__ import annotations

from collections import Counter

Counters = Counter[str]
"""How many times each kind of bad input was seen."""


def snapshot(counters: Counters) -> dict[str, int]:
    """The counters as a plain, sorted dict for a record."""
    return {name: counters[name] for name in sorted(counters) if counters[name]}
