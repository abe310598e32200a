"""The gateway's decoder: CAN frames, NMEA lines and IMU samples in, records out.

It wires the layers together: :class:`~.framing.FrameChecker` ->
:class:`~.signals.SignalDecoder` -> :class:`~.mobileye.MobileyeAdapter` for CAN, and with
``EdgeConfig.engine`` the :class:`~.engine_feed.EngineFeed` (the software warning engine on
the unit's object list); :class:`~.nmea.NmeaParser` into the :class:`~.fixes.FixBuffer` for
GPS; :class:`~.imu.ImuDetector` for the IMU; then the :class:`~.pipeline.Pipeline` stages
(locate, fill speed). Time is the inputs' own (epoch seconds UTC); :meth:`EdgeDecoder.tick`
lets it pass when no input arrives. :func:`replay` merges recorded logs in time order.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Literal

import can

from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.device_health import DeviceHealth
from roadsense.edge.decoding.engine_feed import EngineFeed
from roadsense.edge.decoding.fixes import Fix, FixBuffer
from roadsense.edge.decoding.framing import FrameChecker
from roadsense.edge.decoding.imu import ImuDetector, ImuSample, parse_imu_line
from roadsense.edge.decoding.mobileye import MobileyeAdapter
from roadsense.edge.decoding.nmea import NmeaParser
from roadsense.edge.decoding.pipeline import FillSpeed, Locate, Pipeline
from roadsense.edge.decoding.signals import SignalDecoder
from roadsense.schema import AnyRecord, DeviceStatus, Position

TICK_EVERY_S = 0.1
"""How often (input time) silence is checked and settled records are released."""


class EdgeDecoder:
    """Everything between the vehicle's inputs and the outbox, for one vehicle."""

    def __init__(self, config: EdgeConfig, counters: Counters | None = None) -> None:
        self.config = config
        self.counters: Counters = counters if counters is not None else Counter()
        self.signals = SignalDecoder()
        self.checker = FrameChecker(self.signals.lengths, self.counters)
        self.health = DeviceHealth(config, self.counters)
        self.adapter = MobileyeAdapter(config, self.signals, self.counters, self.health)
        self.feed = (
            EngineFeed(config, self.signals, self.counters, self.adapter) if config.engine else None
        )
        """The software warning engine on the unit's object list (``EdgeConfig.engine``)."""
        self.nmea = NmeaParser(config.vehicle_id, self.counters)
        self.imu = ImuDetector(config, self.counters)
        self.fixes = FixBuffer(config.no_fix_window_s, config.fix_buffer_s)
        self.pipeline = Pipeline(
            [Locate(self.fixes), FillSpeed(self.fixes)],
            self.fixes,
            self.counters,
            config.no_fix_window_s,
        )
        self.now: float | None = None
        self._next_tick = float("-inf")
        self._status: list[DeviceStatus] = []
        self.frames = 0
        """Frames accepted by the frame checks."""

    def on_frame(self, msg: can.Message) -> list[AnyRecord]:
        """One CAN frame; the records ready now."""
        t = self.checker.check(msg)
        if t is None:
            return []
        self.frames += 1
        out = self.advance(t)
        status = self._status
        self.health.frame(t, status)
        if status:
            out.extend(status)
            status.clear()
        made: list[AnyRecord] = []
        self.adapter.on_frame(t, msg, made)
        if self.feed is not None:
            self.feed.on_frame(t, msg, made)
        if made:
            self._route(made, out)
        return out

    def on_nmea_line(self, line: str) -> list[AnyRecord]:
        """One NMEA line; the records ready now."""
        position = self.nmea.feed(line)
        return [] if position is None else self.on_position(position)

    def on_position(self, position: Position) -> list[AnyRecord]:
        """A parsed GPS fix: kept for interpolation and passed on as a record."""
        t = position.time.timestamp()
        self.fixes.hold_from = self._oldest_open_onset()
        self.fixes.add(Fix(t, position.lat, position.lon, position.speed_mps))
        out: list[AnyRecord] = [position]
        out.extend(self.pipeline.release(self.now if self.now is not None else t))
        return out

    def on_imu_line(self, line: str) -> list[AnyRecord]:
        """One IMU CSV line; the records ready now."""
        sample = parse_imu_line(line, self.counters)
        return [] if sample is None else self.on_imu(sample)

    def on_imu(self, sample: ImuSample) -> list[AnyRecord]:
        """One IMU sample; the records ready now."""
        made: list[AnyRecord] = list(self.imu.feed(sample))
        out: list[AnyRecord] = []
        if made:
            self._route(made, out)
        return out

    def _oldest_open_onset(self) -> float | None:
        """The onset of the unit's oldest episode still open (a warning, a failsafe):
        its event is placed there when it ends. The engine's and the IMU's episodes
        last seconds, well inside ``fix_buffer_s``."""
        return self.adapter.tracker.earliest_start()

    def advance(self, t: float) -> list[AnyRecord]:
        """Input time ``t`` seen: tick if a tick is due (cheap otherwise). Time that jumped
        by more than ``power_off_after_s`` since the last tick was a gateway switched off:
        a new drive starts (:meth:`DeviceHealth.power_on`)."""
        if t < self._next_tick:
            return []
        if self.now is not None and t - self.now > self.config.power_off_after_s:
            self.health.power_on(t)
        return self.tick(t)

    def tick(self, now: float) -> list[AnyRecord]:
        """Time passes: silence, heartbeat, records whose position is settled."""
        if self.now is None or now > self.now:
            self.now = now
        now = self.now
        self._next_tick = now + TICK_EVERY_S
        status = self._status
        self.health.tick(now, status)
        out: list[AnyRecord] = list(status)
        status.clear()
        out.extend(self.pipeline.release(now))
        return out

    def finish(self) -> list[AnyRecord]:
        """End of input: close open episodes, release everything, a last status."""
        made: list[AnyRecord] = [*self.adapter.close(), *self.imu.close()]
        if self.feed is not None:
            made.extend(self.feed.close())
        out: list[AnyRecord] = []
        self._route(made, out)
        out.extend(self.pipeline.flush())
        if self.now is not None:
            out.append(self.health.status(self.now))
        return out

    def _route(self, made: list[AnyRecord], out: list[AnyRecord]) -> None:
        for record in made:
            if isinstance(record, DeviceStatus | Position):
                out.append(record)
            else:
                self.pipeline.push(record)


Item = tuple[float, Literal["can", "gps", "imu"], object]


def replay(
    decoder: EdgeDecoder,
    frames: Iterable[can.Message],
    nmea_lines: Iterable[str] = (),
    imu_lines: Iterable[str] = (),
) -> Iterator[AnyRecord]:
    """Decode recorded logs, merged in time order, and finish; yields every record."""
    streams = [
        ((m.timestamp, "can", m) for m in frames),
        _positions(decoder, nmea_lines),
        _samples(decoder, imu_lines),
    ]
    for t, kind, payload in heapq.merge(*streams, key=lambda item: item[0]):
        if kind == "can":
            assert isinstance(payload, can.Message)
            yield from decoder.on_frame(payload)
            continue
        yield from decoder.advance(t)
        if kind == "gps":
            assert isinstance(payload, Position)
            yield from decoder.on_position(payload)
        else:
            assert isinstance(payload, ImuSample)
            yield from decoder.on_imu(payload)
    yield from decoder.finish()


def _positions(decoder: EdgeDecoder, lines: Iterable[str]) -> Iterator[Item]:
    for line in lines:
        position = decoder.nmea.feed(line)
        if position is not None:
            yield position.time.timestamp(), "gps", position


def _samples(decoder: EdgeDecoder, lines: Iterable[str]) -> Iterator[Item]:
    for line in lines:
        sample = parse_imu_line(line, decoder.counters)
        if sample is not None:
            yield sample.t, "imu", sample
