"""Write a run's files and read them back.

- ``vehicles/<vehicle_id>.jsonl``: what the taxi's gateway would upload, one record
  (``Position`` or ``AdasEvent`` JSON) per line, in time order;
- ``ground_truth.json``: a :class:`~roadsense.sim.ground_truth.GroundTruth`;
- ``ground_truth_events.jsonl``: one :class:`~roadsense.sim.ground_truth.TruthEvent`
  per line.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter, ValidationError

from roadsense.schema.records import AdasEvent, EventSource, Position, Record
from roadsense.sim.errors import SimError
from roadsense.sim.events import Episode
from roadsense.sim.fleet import TaxiLog
from roadsense.sim.gps import noisy_track
from roadsense.sim.ground_truth import GroundTruth, TruthEvent

VEHICLES_DIR = "vehicles"
GROUND_TRUTH_FILE = "ground_truth.json"
GROUND_TRUTH_EVENTS_FILE = "ground_truth_events.jsonl"

_RECORD: TypeAdapter[Record] = TypeAdapter(Record)


def new_event_id(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from a seeded random stream (same seed, same ids)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def write_vehicle(
    out_dir: Path,
    log: TaxiLog,
    start_time: datetime,
    sigma_m: float,
    noise_rng: np.random.Generator,
    id_rng: random.Random,
    hazard_of_edge: dict[str, str],
) -> tuple[int, list[TruthEvent]]:
    """Write one taxi's upload file; return its position count and the events' truth."""
    path = out_dir / VEHICLES_DIR / f"{log.vehicle_id}.jsonl"
    n = len(log.times)
    truth: list[TruthEvent] = []
    if n == 0:
        path.write_text("", encoding="utf-8")
        return 0, truth
    lon = np.asarray(log.lon, dtype=np.float64)
    lat = np.asarray(log.lat, dtype=np.float64)
    track = noisy_track(
        lon,
        lat,
        np.asarray(log.speed, dtype=np.float64),
        np.asarray(log.angle, dtype=np.float64),
        sigma_m,
        noise_rng,
    )
    fix_lat = track.lat.tolist()
    fix_lon = track.lon.tolist()
    fix_speed = track.speed_mps.tolist()
    fix_heading = track.heading_deg.tolist()
    fix_hdop = track.hdop.tolist()
    events: list[tuple[int, AdasEvent]] = []
    for episode in log.episodes:
        i = log.index_at(episode.onset_s)
        event = _event(log.vehicle_id, episode, start_time, fix_lat[i], fix_lon[i], id_rng)
        events.append((episode.onset_s, event))
        edge = log.edge[i]
        hazard = hazard_of_edge.get(edge)
        truth.append(
            TruthEvent(
                event_id=event.event_id,
                vehicle_id=log.vehicle_id,
                time=event.time,
                type=event.type,
                level=event.level,
                true_lat=round(float(lat[i]), 7),
                true_lon=round(float(lon[i]), 7),
                lat=fix_lat[i],
                lon=fix_lon[i],
                edge_id=edge,
                hazard_id=hazard,
                on_hazard=hazard is not None,
            )
        )
    lines: list[str] = []
    vid = log.vehicle_id
    e = 0
    for k, t in enumerate(log.times):
        while e < len(events) and events[e][0] < t:
            lines.append(events[e][1].model_dump_json())
            e += 1
        lines.append(
            Position(
                vehicle_id=vid,
                time=start_time + timedelta(seconds=t),
                lat=fix_lat[k],
                lon=fix_lon[k],
                speed_mps=fix_speed[k],
                heading_deg=fix_heading[k],
                hdop=fix_hdop[k],
            ).model_dump_json()
        )
    lines.extend(event.model_dump_json() for _, event in events[e:])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n, truth


def _event(
    vehicle_id: str,
    episode: Episode,
    start_time: datetime,
    lat: float,
    lon: float,
    id_rng: random.Random,
) -> AdasEvent:
    return AdasEvent(
        event_id=new_event_id(id_rng),
        vehicle_id=vehicle_id,
        time=start_time + timedelta(seconds=episode.onset_s),
        type=episode.type,
        level=episode.level,
        duration_s=episode.duration_s,
        lat=lat,
        lon=lon,
        position_flag="ok",
        speed_mps=episode.speed_mps,
        ttc_s=episode.ttc_s,
        headway_s=episode.headway_s,
        speed_limit_kmh=episode.speed_limit_kmh,
        source=EventSource.SIM,
    )


def write_truth_events(out_dir: Path, events: list[TruthEvent]) -> None:
    """Write ``ground_truth_events.jsonl``."""
    text = "".join(e.model_dump_json() + "\n" for e in events)
    (out_dir / GROUND_TRUTH_EVENTS_FILE).write_text(text, encoding="utf-8")


def write_ground_truth(out_dir: Path, truth: GroundTruth) -> None:
    """Write ``ground_truth.json``."""
    (out_dir / GROUND_TRUTH_FILE).write_text(truth.model_dump_json(indent=2) + "\n", "utf-8")


def count_events(events: list[TruthEvent]) -> dict[str, int]:
    """Events by type, types in name order."""
    counts = Counter(e.type.value for e in events)
    return dict(sorted(counts.items()))


def read_vehicle_records(out_dir: Path, vehicle_id: str) -> list[Position | AdasEvent]:
    """The records a taxi wrote, in time order."""
    path = out_dir / VEHICLES_DIR / f"{vehicle_id}.jsonl"
    if not path.is_file():
        raise SimError(f"no records for vehicle {vehicle_id!r}: {path} does not exist")
    records = list(_parse_lines(path))
    records.sort(key=lambda r: r.time)  # stable: keeps the file's order within a second
    return records


def _parse_lines(path: Path) -> Iterator[Position | AdasEvent]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = _RECORD.validate_json(line)
            except ValidationError as exc:
                raise SimError(f"{path}:{number} is not a valid record: {exc}") from exc
            if not isinstance(record, Position | AdasEvent):
                raise SimError(f"{path}:{number} is a {record.kind!r} record, not a simulated one")
            yield record


def read_ground_truth(out_dir: Path) -> GroundTruth:
    """``ground_truth.json`` of a finished run."""
    path = out_dir / GROUND_TRUTH_FILE
    if not path.is_file():
        raise SimError(f"no ground truth in {out_dir}: {path} does not exist")
    try:
        return GroundTruth.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise SimError(f"{path} is not valid ground truth: {exc}") from exc


def read_truth_events(out_dir: Path) -> list[TruthEvent]:
    """Every event of a finished run with its true place."""
    path = out_dir / GROUND_TRUTH_EVENTS_FILE
    if not path.is_file():
        raise SimError(f"no ground truth events in {out_dir}: {path} does not exist")
    with path.open(encoding="utf-8") as handle:
        return [TruthEvent.model_validate_json(line) for line in handle if line.strip()]
