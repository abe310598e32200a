"""Health of the ADAS unit as DeviceStatus records.

A status is written when failsafe, tamper, the error code or silence changes, and as a
heartbeat (with the bad-input counters and uptime) at least every ``status_every_s``. The
unit is silent when no good frame arrived for ``silent_after_s`` while the gateway was on;
the status is dated at the moment the silence became certain, and a second one when frames
resume. Recorded input that jumps over a stretch when the gateway was off (the ignition, a
night) starts a new drive rather than a silence.
"""

from __future__ import annotations

from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.counters import Counters, snapshot
from roadsense.edge.decoding.event_building import utc
from roadsense.schema import DeviceStatus


class DeviceHealth:
    """Failsafe, tamper, error code and silence of one ADAS unit."""

    __slots__ = (
        "_error",
        "_failsafe_700",
        "_failsafe_738",
        "_last_status_t",
        "_tamper",
        "config",
        "counters",
        "last_frame_t",
        "silent",
        "started_t",
    )

    def __init__(self, config: EdgeConfig, counters: Counters) -> None:
        self.config = config
        self.counters = counters
        self.started_t: float | None = None
        self.last_frame_t: float | None = None
        self.silent = False
        self._failsafe_700 = False
        self._failsafe_738 = False
        self._tamper = False
        self._error: int | None = None
        self._last_status_t: float | None = None

    @property
    def failsafe(self) -> bool:
        """Either failsafe source (0x700 bit, 0x738 code) is on."""
        return self._failsafe_700 or self._failsafe_738

    def frame(self, t: float, out: list[DeviceStatus]) -> None:
        """A good frame arrived at ``t``."""
        self.last_frame_t = t
        if self.started_t is None:
            self.started_t = t
        if self.silent:
            self.silent = False
            out.append(self.status(t))

    def warnings_frame(
        self, t: float, failsafe: bool, tamper: bool, error: int | None, out: list[DeviceStatus]
    ) -> None:
        """What a 0x700 frame says about the unit's health."""
        if (failsafe, tamper, error) != (self._failsafe_700, self._tamper, self._error):
            before = (self.failsafe, self._tamper, self._error)
            self._failsafe_700, self._tamper, self._error = failsafe, tamper, error
            if before != (self.failsafe, self._tamper, self._error):
                out.append(self.status(t))

    def obstacle_failsafe(self, t: float, failsafe: bool, out: list[DeviceStatus]) -> None:
        """What a 0x738 frame says about failsafe."""
        if failsafe != self._failsafe_738:
            before = self.failsafe
            self._failsafe_738 = failsafe
            if before != self.failsafe:
                out.append(self.status(t))

    def power_on(self, t: float) -> None:
        """The gateway starts again after being off: uptime and the unit's time to speak
        count from ``t``. A unit already reported silent stays so until a frame comes."""
        self.started_t = t
        self.last_frame_t = None
        self._last_status_t = None

    def tick(self, now: float, out: list[DeviceStatus]) -> None:
        """Time passes: detect silence, write the heartbeat."""
        if self.started_t is None:
            self.started_t = now
        since = self.last_frame_t if self.last_frame_t is not None else self.started_t
        if not self.silent and now - since > self.config.silent_after_s:
            self.silent = True
            out.append(self.status(since + self.config.silent_after_s))
        if self._last_status_t is None:
            self._last_status_t = now
        elif now - self._last_status_t >= self.config.status_every_s:
            out.append(self.status(now))

    def status(self, t: float) -> DeviceStatus:
        """The unit's health now, with the bad-input counters."""
        self._last_status_t = t if self._last_status_t is None else max(t, self._last_status_t)
        return DeviceStatus(
            vehicle_id=self.config.vehicle_id,
            time=utc(t),
            failsafe=self.failsafe,
            tamper=self._tamper,
            adas_silent=self.silent,
            error_codes=[] if self._error is None else [self._error],
            uptime_s=None if self.started_t is None else round(max(0.0, t - self.started_t), 3),
            counters=snapshot(self.counters),
        )
