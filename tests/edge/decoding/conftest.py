"""Helpers of the decoding tests: the committed logs and a decoder run over them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.config import EdgeConfig, SoundFamily
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.line_sources import file_lines
from roadsense.schema import AnyRecord

DATA = Path(__file__).parent / "data"
VEHICLE = "taxi-1"


def decode(
    can_log: str,
    nmea: str | None = None,
    imu: str | None = None,
    family: SoundFamily = "me8",
    *,
    engine: bool = False,
) -> tuple[list[AnyRecord], EdgeDecoder]:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, sound_family=family, engine=engine))
    records = list(
        replay(
            decoder,
            read_can_log(DATA / can_log, decoder.counters),
            file_lines(DATA / nmea) if nmea else (),
            file_lines(DATA / imu) if imu else (),
        )
    )
    return records, decoder


def of_kind[T](records: Sequence[AnyRecord], kind: type[T]) -> list[T]:
    return [r for r in records if isinstance(r, kind)]
