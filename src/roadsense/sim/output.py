"""Write a run's files and read them back.

- ``vehicles/<vehicle_id>.log``, ``.nmea``, ``.imu.csv``: what the taxi's gateway reads,
  as a real one would record it: the ADAS unit's CAN frames (candump ``-L``, written by
  :class:`~roadsense.sim.unit.SimulatedUnit` while the simulation runs), the GPS receiver's
  NMEA sentences (1 Hz, with the GPS noise) and the IMU's samples (2 Hz);
- ``ground_truth.json``: a :class:`~roadsense.sim.ground_truth.GroundTruth`;
- ``ground_truth_events.jsonl``: one :class:`~roadsense.sim.ground_truth.TruthEvent`
  per line;
- ``truth_positions.parquet`` (only with ``SimConfig(write_truth_positions=True)``): every
  taxi's true, noise-free place each second, its SUMO edge and that edge's OSM ways.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import sumolib
from pydantic import ValidationError

from roadsense.sim.errors import SimError
from roadsense.sim.gps import noisy_track
from roadsense.sim.ground_truth import GroundTruth, TruthEvent
from roadsense.sim.nmea_log import fix_lines

if TYPE_CHECKING:  # the truth is written without the unit's CAN encoder (and its DBC)
    from roadsense.sim.traffic import TaxiLog

VEHICLES_DIR = "vehicles"
GROUND_TRUTH_FILE = "ground_truth.json"
GROUND_TRUTH_EVENTS_FILE = "ground_truth_events.jsonl"
TRUTH_POSITIONS_FILE = "truth_positions.parquet"

CAN_SUFFIX = ".log"
NMEA_SUFFIX = ".nmea"
IMU_SUFFIX = ".imu.csv"


@dataclass(frozen=True)
class VehicleLogs:
    """The three logs of one taxi."""

    can: Path
    nmea: Path
    imu: Path


def vehicle_logs(out_dir: Path, vehicle_id: str) -> VehicleLogs:
    """Where a taxi's logs are (whether or not they exist)."""
    base = Path(out_dir) / VEHICLES_DIR / vehicle_id
    return VehicleLogs(
        can=base.with_name(vehicle_id + CAN_SUFFIX),
        nmea=base.with_name(vehicle_id + NMEA_SUFFIX),
        imu=base.with_name(vehicle_id + IMU_SUFFIX),
    )


def write_vehicle(
    out_dir: Path,
    log: TaxiLog,
    start_time: datetime,
    sigma_m: float,
    noise_rng: np.random.Generator,
    hazard_of_edge: dict[str, str],
    no_fix: frozenset[int] = frozenset(),
) -> tuple[int, list[TruthEvent]]:
    """Write one taxi's NMEA log (its CAN and IMU logs are written as it drives); return
    its fix count and the true place of every warning its unit showed.

    ``no_fix``: logged seconds (from the run's start) in which the receiver has no fix (a
    planted GPS outage): no sentence is written for them."""
    path = vehicle_logs(out_dir, log.vehicle_id).nmea
    n = len(log.times)
    truth: list[TruthEvent] = []
    if n == 0:
        path.write_text("", encoding="ascii")
        return 0, truth
    lat = np.asarray(log.lat, dtype=np.float64)
    track = noisy_track(
        np.asarray(log.lon, dtype=np.float64),
        lat,
        np.asarray(log.speed, dtype=np.float64),
        np.asarray(log.angle, dtype=np.float64),
        sigma_m,
        noise_rng,
    )
    fix_lat = track.lat.tolist()
    fix_lon = track.lon.tolist()
    epoch0 = start_time.timestamp()
    with path.open("w", encoding="ascii") as out:
        out.writelines(
            fix_lines(epoch0 + t, la, lo, v, h, d)
            for t, la, lo, v, h, d in zip(
                log.times,
                fix_lat,
                fix_lon,
                track.speed_mps.tolist(),
                track.heading_deg.tolist(),
                track.hdop.tolist(),
                strict=True,
            )
            if t not in no_fix
        )
    fixes = n - sum(1 for t in log.times if t in no_fix) if no_fix else n
    for warning in log.warnings:
        i = log.index_at(int(warning.onset_t - epoch0))
        edge = log.edge[i]
        hazard = hazard_of_edge.get(edge)
        truth.append(
            TruthEvent(
                event_id=warning.event_id,
                vehicle_id=log.vehicle_id,
                time=datetime.fromtimestamp(warning.onset_t, UTC),
                type=warning.type,
                level=warning.level,
                true_lat=round(log.lat[i], 7),
                true_lon=round(log.lon[i], 7),
                lat=fix_lat[i],
                lon=fix_lon[i],
                edge_id=edge,
                hazard_id=hazard,
                on_hazard=hazard is not None,
                live=bool(log.live[i]) if i < len(log.live) else False,
            )
        )
    return fixes, truth


def write_silent_vehicle(out_dir: Path, vehicle_id: str) -> None:
    """The logs of a taxi whose gateway never recorded (a planted dead gateway): empty."""
    paths = vehicle_logs(out_dir, vehicle_id)
    for path in (paths.can, paths.nmea, paths.imu):
        path.write_text("", encoding="ascii")


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


def write_truth_positions(
    out_dir: Path,
    logs: Sequence[TaxiLog],
    start_time: datetime,
    ways_of_edge: Mapping[str, Sequence[int]],
    junction_ways_of_edge: Mapping[str, Sequence[int]],
) -> int:
    """Write ``truth_positions.parquet``: one row per taxi and second; returns the rows.

    Columns: ``vehicle_id``, ``ts`` (UTC), ``true_lon``, ``true_lat``, ``speed_mps``,
    ``angle_deg``, ``edge_id`` (the last normal SUMO edge, so a taxi crossing a junction
    keeps the edge it came from), ``osm_way_ids`` (the OSM ways that edge was built
    from, in the order netconvert lists them) and ``junction_way_ids`` (the short OSM
    ways netconvert folded into the junction at the edge's end: a taxi crossing that
    junction is on one of them or on its edge's ways).
    """
    vehicle: list[str] = []
    ts: list[datetime] = []
    lon: list[float] = []
    lat: list[float] = []
    speed: list[float] = []
    angle: list[float] = []
    edge: list[str] = []
    ways: list[list[int]] = []
    junction: list[list[int]] = []
    for log in logs:
        for k, t in enumerate(log.times):
            vehicle.append(log.vehicle_id)
            ts.append(start_time + timedelta(seconds=t))
            lon.append(round(log.lon[k], 7))
            lat.append(round(log.lat[k], 7))
            speed.append(log.speed[k])
            angle.append(log.angle[k])
            edge.append(log.edge[k])
            ways.append(list(ways_of_edge.get(log.edge[k], ())))
            junction.append(list(junction_ways_of_edge.get(log.edge[k], ())))
    table = pa.table(
        {
            "vehicle_id": pa.array(vehicle, pa.string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "true_lon": pa.array(lon, pa.float64()),
            "true_lat": pa.array(lat, pa.float64()),
            "speed_mps": pa.array(speed, pa.float64()),
            "angle_deg": pa.array(angle, pa.float64()),
            "edge_id": pa.array(edge, pa.string()),
            "osm_way_ids": pa.array(ways, pa.list_(pa.int64())),
            "junction_way_ids": pa.array(junction, pa.list_(pa.int64())),
        }
    )
    pq.write_table(table, out_dir / TRUTH_POSITIONS_FILE)
    return len(vehicle)


def junction_ways(net_file: Path) -> dict[str, list[int]]:
    """For each normal edge, the OSM ways folded into the junction at its end."""
    net = sumolib.net.readNet(str(net_file), withInternal=False)
    out: dict[str, list[int]] = {}
    for edge in net.getEdges():
        node = edge.getToNode()
        tokens = str(node.getParam("origEdgeIds", "") or "").split()
        out[edge.getID()] = [int(t) for t in tokens if t.lstrip("-").isdigit()]
    return out


def read_truth_positions(out_dir: Path) -> pa.Table:
    """``truth_positions.parquet`` of a finished run (see :func:`write_truth_positions`)."""
    path = out_dir / TRUTH_POSITIONS_FILE
    if not path.is_file():
        raise SimError(
            f"no truth positions in {out_dir}: run with SimConfig(write_truth_positions=True)"
        )
    return pq.read_table(path)
