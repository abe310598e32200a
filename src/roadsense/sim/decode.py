"""A taxi's logs read back the way its gateway reads them: the real decoder, no shortcut.

:func:`decode_vehicle` runs the gateway's :class:`~roadsense.edge.decoding.decoder.EdgeDecoder`
over the candump, NMEA and IMU logs of one simulated taxi (merged in time order by
:func:`~roadsense.edge.decoding.decoder.replay`) and returns every record it makes: positions,
warning events (source ``mobileye`` from 0x700, ``imu`` from the IMU), speed-limit sign
sightings and device statuses.
"""

from __future__ import annotations

from pathlib import Path

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.line_sources import file_lines
from roadsense.schema import AnyRecord
from roadsense.schema.records import AdasEvent, Position
from roadsense.sim.errors import SimError
from roadsense.sim.output import vehicle_logs
from roadsense.sim.unit import SOUND_FAMILY


def gateway_config(vehicle_id: str) -> EdgeConfig:
    """How a simulated taxi's gateway is configured (its unit is a Mobileye 8 Connect)."""
    return EdgeConfig(vehicle_id=vehicle_id, sound_family=SOUND_FAMILY)


def decode_vehicle(
    out_dir: Path, vehicle_id: str, decoder: EdgeDecoder | None = None
) -> list[AnyRecord]:
    """Every record the taxi's gateway makes of its logs, in the order it makes them.

    Pass a ``decoder`` to read its counters afterwards; by default one configured by
    :func:`gateway_config`.
    """
    logs = vehicle_logs(Path(out_dir), vehicle_id)
    if not logs.can.is_file():
        raise SimError(f"no logs for vehicle {vehicle_id!r}: {logs.can} does not exist")
    decoder = decoder or EdgeDecoder(gateway_config(vehicle_id))
    nmea = file_lines(logs.nmea) if logs.nmea.is_file() else iter(())
    imu = file_lines(logs.imu) if logs.imu.is_file() else iter(())
    return list(replay(decoder, read_can_log(logs.can, decoder.counters), nmea, imu))


def read_vehicle_records(out_dir: Path, vehicle_id: str) -> list[Position | AdasEvent]:
    """The positions and events the taxi's gateway makes of its logs, in time order."""
    records = [
        r for r in decode_vehicle(out_dir, vehicle_id) if isinstance(r, Position | AdasEvent)
    ]
    records.sort(key=lambda r: r.time)  # stable: the decoder's order within a moment
    return records
