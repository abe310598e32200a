"""Traffic conflicts from SUMO's SSM device: TTC, DRAC and PET, per taxi and place.

SUMO's SSM device (surrogate safety measures) follows every encounter of an equipped
vehicle with the vehicles around it and logs it as a conflict when one of its measures
passes its threshold: time to collision under 3.0 s, deceleration rate to avoid a crash
over 3.0 m/s2, post-encroachment time under 2.0 s (SUMO's defaults; the reference's
``adas-standards.md``). Only the taxis are equipped (``--device.ssm.explicit``): the
conflicts are what the fleet's drivers lived through, seen by SUMO, not by any unit's rules.

SUMO writes each day's conflicts to ``ssm/day-NNN.xml`` in the output folder; they are
read back after the day (:func:`read_ssm`), placed (the conflict point in lon/lat by the
network's projection, the taxi's edge and the planted hazard it lies on) and written to
``ground_truth_conflicts.jsonl``, counted in ``ground_truth.json`` (``conflicts``).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sumolib
from pydantic import ValidationError

from roadsense.sim.errors import SimError
from roadsense.sim.ground_truth import ConflictKind, ConflictTruth, TruthConflict
from roadsense.sim.hazards import HazardSite

if TYPE_CHECKING:
    from roadsense.sim.traffic import TaxiLog

SSM_DIR = "ssm"
"""SUMO's own SSM output, one file per simulated day, in the output folder."""
CONFLICTS_FILE = "ground_truth_conflicts.jsonl"
THRESHOLDS: dict[str, float] = {"TTC": 3.0, "DRAC": 3.0, "PET": 2.0}
"""SUMO's default thresholds: TTC and PET below, DRAC above, make a conflict."""
RANGE_M = 20.0
"""How far around a taxi SUMO looks for foes (SUMO's default is 50 m). TTC under 3 s at a
gap of 20 m needs a closing speed of 7 m/s; a faster approach is caught once within 20 m,
at a shorter TTC. At 50 m the device cost 14 % of the simulation's CPU, at 20 m about 11 %
(docs/simulation.md)."""
_ELEMENT = {"TTC": "minTTC", "DRAC": "maxDRAC", "PET": "PET"}
"""The element of a ``<conflict>`` that holds each measure's extreme."""


@dataclass(frozen=True)
class SsmPoint:
    """One measure's extreme in a conflict, as SUMO wrote it."""

    time_s: float
    """SUMO time of the day's run."""
    x: float
    y: float
    """The conflict point, network coordinates."""
    type_code: int
    value: float


@dataclass(frozen=True)
class SsmConflict:
    """One ``<conflict>`` of SUMO's SSM output."""

    ego: str
    foe: str
    begin_s: float
    end_s: float
    points: dict[str, SsmPoint]
    """By measure (``TTC``, ``DRAC``, ``PET``); a measure SUMO could not give is absent."""

    def crossed(self) -> list[str]:
        """The measures that passed their thresholds, in :data:`THRESHOLDS` order. SUMO
        writes two decimals: a TTC of 2.996 s, under 3, is written ``3.00``, so a value
        equal to its threshold passed it."""
        out = []
        for measure, threshold in THRESHOLDS.items():
            point = self.points.get(measure)
            if point is None:
                continue
            if point.value >= threshold if measure == "DRAC" else point.value <= threshold:
                out.append(measure)
        return out


def ssm_file(out_dir: Path, day: int) -> Path:
    """Where SUMO writes the SSM output of simulated day ``day``."""
    return Path(out_dir) / SSM_DIR / f"day-{day:03d}.xml"


def ssm_options(path: Path, equipped: Sequence[str]) -> list[str]:
    """SUMO's command-line options that equip ``equipped`` with the SSM device, writing to
    ``path`` (only the extremes of each conflict: no trajectories)."""
    return [
        "--device.ssm.explicit",
        ",".join(equipped),
        "--device.ssm.measures",
        " ".join(THRESHOLDS),
        "--device.ssm.thresholds",
        " ".join(str(v) for v in THRESHOLDS.values()),
        "--device.ssm.range",
        str(RANGE_M),
        "--device.ssm.file",
        str(path),
    ]


def read_ssm(path: Path) -> Iterator[SsmConflict]:
    """The conflicts of one SSM output file, streamed."""
    try:
        # SUMO wrote the file in this run: not untrusted input
        for _, element in ET.iterparse(path, events=("end",)):  # noqa: S314
            if element.tag != "conflict":
                continue
            points = {}
            for measure, tag in _ELEMENT.items():
                child = element.find(tag)
                point = _point(child) if child is not None else None
                if point is not None:
                    points[measure] = point
            yield SsmConflict(
                ego=element.get("ego", ""),
                foe=element.get("foe", ""),
                begin_s=float(element.get("begin", "nan")),
                end_s=float(element.get("end", "nan")),
                points=points,
            )
            element.clear()
    except (ET.ParseError, OSError, ValueError) as exc:
        raise SimError(f"SUMO's SSM output {path} could not be read: {exc}") from exc


def _point(element: ET.Element) -> SsmPoint | None:
    values = [element.get(k, "NA") for k in ("time", "position", "type", "value")]
    if "NA" in values:
        return None
    time, position, code, value = values
    x, y = position.split(",")[:2]
    return SsmPoint(float(time), float(x), float(y), int(code), float(value))


def conflict_kind(type_code: int) -> ConflictKind:
    """SUMO's encounter type, coarsened (``MSDevice_SSM::EncounterType``)."""
    if type_code in (1, 2, 3, 18):
        return "following"
    if 5 <= type_code <= 8 or type_code == 19:
        return "merging"
    if 9 <= type_code <= 17:
        return "crossing"
    if type_code == 20:
        return "oncoming"
    if type_code == 111:
        return "collision"
    return "other"


class ConflictRecorder:
    """One run's conflicts: SUMO's options for each day, the day's file read back and
    placed (lon/lat by the network's projection, the taxi's edge, the planted hazard),
    and at the end the truth's list and counts."""

    def __init__(
        self,
        out_dir: Path,
        equipped: Sequence[str],
        net_file: Path,
        start_time: datetime,
        logs: Mapping[str, TaxiLog],
    ) -> None:
        """``equipped``: the taxis, whose ``logs`` give each conflict's edge."""
        self._out_dir = Path(out_dir)
        self._equipped = list(equipped)
        self._net_file = net_file
        self._start = start_time
        self._logs = logs
        self._net: sumolib.net.Net | None = None
        self.conflicts: list[TruthConflict] = []
        folder = self._out_dir / SSM_DIR
        shutil.rmtree(folder, ignore_errors=True)  # no day of an earlier run stays
        folder.mkdir(parents=True)

    def options(self, day: int) -> list[str]:
        """SUMO's command-line options for simulated day ``day``."""
        return ssm_options(ssm_file(self._out_dir, day), self._equipped)

    def read_day(self, day: int, sites: Sequence[HazardSite]) -> list[TruthConflict]:
        """Read and place day ``day``'s conflicts, once SUMO has closed (SUMO's times are
        that day's); returns them."""
        placed = self.place(read_ssm(ssm_file(self._out_dir, day)), day, _hazard_edges(sites))
        self.conflicts.extend(placed)
        return placed

    def place(
        self, conflicts: Iterable[SsmConflict], day: int, hazard_of_edge: Mapping[str, str]
    ) -> list[TruthConflict]:
        """Conflicts of day ``day`` with their place."""
        if self._net is None:
            self._net = sumolib.net.readNet(str(self._net_file), withInternal=False)
        offset = day * 86_400
        out = []
        for c in conflicts:
            crossed = c.crossed()
            if not c.points:
                continue  # nothing measured: nowhere to place it
            first = c.points[crossed[0]] if crossed else next(iter(c.points.values()))
            lon, lat = self._net.convertXY2LonLat(first.x, first.y)
            edge, live = "", False
            log = self._logs.get(c.ego)
            if log is not None and log.times:
                i = log.index_at(offset + int(first.time_s))
                edge, live = log.edge[i], bool(log.live[i]) if i < len(log.live) else False
            hazard = hazard_of_edge.get(edge)
            ttc, drac, pet = (c.points.get(m) for m in THRESHOLDS)
            out.append(
                TruthConflict(
                    ego=c.ego,
                    foe=c.foe,
                    day=day,
                    begin=self._at(offset + c.begin_s),
                    end=self._at(offset + c.end_s),
                    kind=conflict_kind(first.type_code),
                    type_code=first.type_code,
                    min_ttc_s=ttc.value if ttc else None,
                    max_drac_mps2=drac.value if drac else None,
                    pet_s=pet.value if pet else None,
                    measures=crossed,
                    time=self._at(offset + first.time_s),
                    lon=round(float(lon), 7),
                    lat=round(float(lat), 7),
                    edge_id=edge,
                    hazard_id=hazard,
                    on_hazard=hazard is not None,
                    live=live,
                )
            )
        return out

    def finish(self, sites: Sequence[HazardSite]) -> ConflictTruth:
        """Write ``ground_truth_conflicts.jsonl``; the counts for ``ground_truth.json``."""
        write_truth_conflicts(self._out_dir, self.conflicts)
        logs = {v: self._logs[v] for v in self._equipped if v in self._logs}
        hazard_ids = [s.hazard_id for s in sites]
        return summarise(self.conflicts, logs, _hazard_edges(sites), hazard_ids)

    def _at(self, seconds: float) -> datetime:
        return (self._start + timedelta(seconds=seconds)).astimezone(UTC)


def _hazard_edges(sites: Sequence[HazardSite]) -> dict[str, str]:
    return {e: s.hazard_id for s in sites for e in s.edge_ids}


def summarise(
    conflicts: Sequence[TruthConflict],
    logs: Mapping[str, TaxiLog],
    hazard_of_edge: Mapping[str, str],
    hazard_ids: Sequence[str],
) -> ConflictTruth:
    """The counts of ``ground_truth.json``: per measure, kind, taxi and hazard, and the
    conflicts per taxi-km on the hazards and elsewhere."""
    on_km = 0.0
    all_km = 0.0
    for log in logs.values():
        all_km += sum(log.speed)
        on_km += sum(v for v, e in zip(log.speed, log.edge, strict=True) if e in hazard_of_edge)
    on_km /= 1000.0
    off_km = all_km / 1000.0 - on_km
    on = sum(1 for c in conflicts if c.on_hazard)
    per_vehicle = dict.fromkeys(sorted(logs), 0)
    per_vehicle.update(Counter(c.ego for c in conflicts))
    per_hazard = dict.fromkeys(hazard_ids, 0)
    per_hazard.update(Counter(c.hazard_id for c in conflicts if c.hazard_id is not None))
    return ConflictTruth(
        file=CONFLICTS_FILE,
        equipped=len(logs),
        thresholds=dict(THRESHOLDS),
        conflicts=len(conflicts),
        by_measure={m: sum(1 for c in conflicts if m in c.measures) for m in THRESHOLDS},
        by_kind=dict(sorted(Counter(c.kind for c in conflicts).items())),
        per_vehicle=per_vehicle,
        per_hazard=per_hazard,
        on_hazards=on,
        km_on_hazards=round(on_km, 3),
        km_elsewhere=round(off_km, 3),
        per_km_on_hazards=round(on / on_km, 4) if on_km > 0 else None,
        per_km_elsewhere=round((len(conflicts) - on) / off_km, 4) if off_km > 0 else None,
    )


def write_truth_conflicts(out_dir: Path, conflicts: Iterable[TruthConflict]) -> None:
    """Write ``ground_truth_conflicts.jsonl``."""
    text = "".join(c.model_dump_json() + "\n" for c in conflicts)
    (Path(out_dir) / CONFLICTS_FILE).write_text(text, encoding="utf-8")


def read_truth_conflicts(out_dir: Path) -> list[TruthConflict]:
    """Every SSM conflict of a finished run (``[]`` for a run without the file)."""
    path = Path(out_dir) / CONFLICTS_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        try:
            return [TruthConflict.model_validate_json(line) for line in handle if line.strip()]
        except ValidationError as exc:
            raise SimError(f"{path} is not valid conflict truth: {exc}") from exc
