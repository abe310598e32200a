"""Planted device faults and GPS outages: a few units fail the way real ones do.

Simulation parameters, drawn from the run's seed (never from what the gateway makes of
the logs); the ground truth lists them (``device_faults``, ``gps_outages``).

- ``failsafe``: the camera is blocked (dirt, glare) for a fifth of the last day, from 25 %
  of it: the unit sends 0x700 with its ``Failsafe`` bit and warns of nothing, reads no sign
  and tracks no obstacle (it cannot see).
- ``tamper``: the unit is knocked out of its mounting at half the last day: ``TamperAlert``
  for :data:`TAMPER_S`; it warns as before.
- ``adas_silent``: the unit goes quiet (its power, its CAN link) from 60 % to 80 % of the
  last day: no frame at all, while the gateway's GPS and IMU go on.
- ``gateway_silent``: one more fitted taxi (``taxi-NNN`` after the simulated ones) whose
  gateway is dead from the start: provisioned, never reported. Its three logs are empty,
  and it does not drive in SUMO, so the fleet's traffic and warnings are those of the other
  taxis (a dead gateway on one of them would lose a fortieth of a small demo's warnings,
  enough to move a planted hazard's rank). The platform calls a device silent when it has
  not uploaded in the month's last 72 hours, by arrival time; a gateway that stopped
  part-way through a simulated day, uploaded afterwards with the rest, could not look
  silent.
- GPS outages: :data:`OUTAGE_SECONDS` without a fix (a tunnel, an urban canyon) for
  ``SimConfig.gps_outages`` taxis, once each, on the last day.

A taxi has at most one fault.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

FaultKind = Literal["failsafe", "tamper", "adas_silent", "gateway_silent"]
UNIT_FAULTS: Final[tuple[FaultKind, ...]] = ("failsafe", "tamper", "adas_silent")
"""One simulated taxi of each, in this order (fewer when the fleet is smaller than this)."""
FAILSAFE_WINDOW: Final = (0.25, 0.45)
ADAS_SILENT_WINDOW: Final = (0.6, 0.8)
"""Fractions of the last simulated day."""
TAMPER_AT: Final = 0.5
TAMPER_S: Final = 30.0
OUTAGE_SECONDS: Final = (20, 60)
"""Shortest and longest GPS outage, seconds (the platform counts pauses of 10 s to 10 min
between fixes as GPS gaps)."""


@dataclass(frozen=True)
class DeviceFault:
    """One planted fault of one taxi's unit or gateway."""

    vehicle_id: str
    kind: FaultKind
    day: int
    """The simulated day (0-based) it happens on."""
    from_s: float
    """Seconds into that day (SUMO time)."""
    until_s: float
    """End, seconds into the day (for ``gateway_silent``: the end of the run, on the last day)."""
    until_day: int
    """The day ``until_s`` is on."""

    def window(self, day: int) -> tuple[float, float] | None:
        """When it is on in simulated day ``day``: [from, until) seconds into the day."""
        if not self.day <= day <= self.until_day:
            return None
        start = self.from_s if day == self.day else 0.0
        end = self.until_s if day == self.until_day else math.inf
        return (start, end)


@dataclass(frozen=True)
class GpsOutage:
    """Seconds in which one taxi's GPS receiver gives no fix."""

    vehicle_id: str
    day: int
    from_s: int
    """First second without a fix, seconds into the day."""
    seconds: int

    def run_seconds(self) -> range:
        """The logged seconds without a fix, counted from the run's start (as ``TaxiLog``)."""
        start = self.day * 86_400 + self.from_s
        return range(start, start + self.seconds)


def plant_faults(
    vehicle_ids: Sequence[str], spare_id: str, days: int, duration_s: int, rng: random.Random
) -> list[DeviceFault]:
    """One simulated taxi for each of :data:`UNIT_FAULTS` (as many as there are taxis), and
    the dead gateway of one more, ``spare_id``."""
    chosen = rng.sample(list(vehicle_ids), min(len(UNIT_FAULTS), len(vehicle_ids)))
    last = days - 1
    faults = [DeviceFault(spare_id, "gateway_silent", 0, 0.0, duration_s + 1.0, last)]
    for vid, kind in zip(chosen, UNIT_FAULTS, strict=False):
        if kind == "failsafe":
            a, b = FAILSAFE_WINDOW
            faults.append(DeviceFault(vid, kind, last, a * duration_s, b * duration_s, last))
        elif kind == "tamper":
            start = TAMPER_AT * duration_s
            end = min(float(duration_s), start + TAMPER_S)
            faults.append(DeviceFault(vid, kind, last, start, end, last))
        else:
            a, b = ADAS_SILENT_WINDOW
            faults.append(DeviceFault(vid, kind, last, a * duration_s, b * duration_s, last))
    return sorted(faults, key=lambda f: f.vehicle_id)


def plant_outages(
    vehicle_ids: Sequence[str],
    count: int,
    days: int,
    duration_s: int,
    rng: random.Random,
    exclude: frozenset[str] = frozenset(),
) -> list[GpsOutage]:
    """``count`` outages on the last day, one per taxi, for taxis not in ``exclude``."""
    candidates = [v for v in vehicle_ids if v not in exclude]
    shortest, longest = OUTAGE_SECONDS
    if duration_s < 3 * longest:
        return []  # too short a day to lose a minute of it in the middle
    out = []
    for vid in rng.sample(candidates, min(count, len(candidates))):
        seconds = rng.randint(shortest, longest)
        start = rng.randint(longest, duration_s - 2 * longest)
        out.append(GpsOutage(vid, days - 1, start, seconds))
    return sorted(out, key=lambda o: o.vehicle_id)
