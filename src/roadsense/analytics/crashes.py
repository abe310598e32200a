"""Police crash records from CSV, with a configurable column mapping.

The default mapping reads the layout of the Korean Road Traffic Authority's (KoROAD,
도로교통공단) crash open-data export: ``발생년월일시`` (date and hour, ``YYYYMMDDHH``),
``위도``/``경도`` (latitude/longitude), ``사망자수``/``중상자수``/``경상자수``/``부상신고자수``
(killed, seriously, slightly and reported injured) and ``사고유형`` (crash type). Any other
export works with a mapping of our field names to its column names. Every row that cannot
be read or placed is reported with its line number and reason; none is silently dropped.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from roadsense.city import DEFAULT_TIME_ZONE, city_settings
from roadsense.errors import RoadsenseError

Severity = Literal["fatal", "serious", "minor", "injury", "property_damage", "unknown"]

KOREA_KOROAD_MAPPING: dict[str, str] = {
    "time": "발생년월일시",
    "lat": "위도",
    "lon": "경도",
    "killed": "사망자수",
    "serious": "중상자수",
    "minor": "경상자수",
    "reported": "부상신고자수",
    "crash_type": "사고유형",
}
"""Our fields -> KoROAD export columns (the default)."""

SIMPLE_MAPPING: dict[str, str] = {
    "time": "time",
    "lat": "lat",
    "lon": "lon",
    "severity": "severity",
    "crash_type": "crash_type",
}
"""A plain English layout: ``time, lat, lon, severity, crash_type``."""


@dataclass(frozen=True)
class Crash:
    """One police-reported crash."""

    crash_id: str
    time: datetime
    lat: float
    lon: float
    severity: Severity
    crash_type: str | None


@dataclass
class CrashImport:
    """What an import read, and every row it could not use."""

    crashes: list[Crash] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason)."""

    @property
    def rows(self) -> int:
        """Data rows in the file."""
        return len(self.crashes) + len(self.rejected)


class CrashFileError(RoadsenseError, ValueError):
    """The file or its mapping cannot be used at all."""


def load_mapping(spec: str | None) -> dict[str, str]:
    """``None``/``korea`` -> the KoROAD mapping, ``simple``, or a JSON file of field: column."""
    if spec is None or spec == "korea":
        return dict(KOREA_KOROAD_MAPPING)
    if spec == "simple":
        return dict(SIMPLE_MAPPING)
    path = Path(spec)
    if not path.is_file():
        raise CrashFileError(f"mapping must be 'korea', 'simple' or a JSON file; not found: {spec}")
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CrashFileError(f"{spec}: not valid JSON ({exc})") from exc
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise CrashFileError(f"{spec}: must be a JSON object of field name -> column name")
    missing = {"time", "lat", "lon"} - set(mapping)
    if missing:
        raise CrashFileError(f"{spec}: the mapping needs {', '.join(sorted(missing))}")
    return {str(k): str(v) for k, v in mapping.items()}


def parse_time(text: str, default_tz: tzinfo | None = None) -> datetime:
    """ISO 8601, ``YYYYMMDDHH``, ``YYYYMMDDHHMM`` or ``YYYY-MM-DD HH:MM``, as UTC.

    Times without an offset are local to ``default_tz`` (the city's default time zone,
    Seoul's KST for KoROAD's exports, when not given).
    """
    value = text.strip()
    if value.isdigit() and len(value) in (10, 12):
        parsed = datetime.strptime(value, "%Y%m%d%H%M" if len(value) == 12 else "%Y%m%d%H")
    else:
        parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz or ZoneInfo(DEFAULT_TIME_ZONE))
    return parsed.astimezone(UTC)


def _count(row: dict[str, str], mapping: dict[str, str], key: str) -> int:
    column = mapping.get(key)
    if column is None or not row.get(column, "").strip():
        return 0
    return int(float(row[column]))


def _severity(row: dict[str, str], mapping: dict[str, str]) -> Severity:
    if "severity" in mapping:
        value = row.get(mapping["severity"], "").strip().lower()
        known: tuple[Severity, ...] = ("fatal", "serious", "minor", "injury", "property_damage")
        return next((s for s in known if s == value), "unknown")
    if _count(row, mapping, "killed") > 0:
        return "fatal"
    if _count(row, mapping, "serious") > 0:
        return "serious"
    if _count(row, mapping, "minor") > 0:
        return "minor"
    if _count(row, mapping, "reported") > 0:
        return "injury"
    return "property_damage"


def read_crashes(
    path: Path,
    mapping: dict[str, str] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    encoding: str | None = None,
    tz: str | None = None,
) -> CrashImport:
    """Read crashes; rows outside ``bounds`` (min lon, min lat, max lon, max lat) are rejected.

    Times without an offset are local to ``tz`` (default: the city's time zone setting).

    Korean exports often come in CP949; the encoding is detected between UTF-8 and CP949
    unless given.
    """
    mapping = mapping or dict(KOREA_KOROAD_MAPPING)
    zone = ZoneInfo(tz or city_settings().time_zone)
    if not path.is_file():
        raise CrashFileError(f"file not found: {path}")
    raw = path.read_bytes()
    text = _decode(raw, encoding, path)
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    needed = [mapping[k] for k in ("time", "lat", "lon")]
    missing = [c for c in needed if c not in header]
    if missing:
        raise CrashFileError(
            f"{path}: missing column(s) {', '.join(missing)} (mapping: {mapping}); "
            "pass --mapping simple or a JSON mapping file for other layouts"
        )
    result = CrashImport()
    line = 1  # the header's
    for index, row in enumerate(reader):
        start, line = line + 1, reader.line_num
        problem = _shape_problem(row, len(header))
        if problem is not None:
            result.rejected.append((start, problem))
            continue
        try:
            lat = float(row[mapping["lat"]])
            lon = float(row[mapping["lon"]])
            if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
                raise ValueError(
                    f"no valid position ({row[mapping['lat']]}, {row[mapping['lon']]})"
                )
            if bounds and not (bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]):
                result.rejected.append((line, f"outside the study area ({lat:.5f}, {lon:.5f})"))
                continue
            crash_type = row.get(mapping.get("crash_type", ""), "") or None
            crash_id = row.get(mapping.get("id", ""), "") or f"{path.stem}:{index + 1}"
            result.crashes.append(
                Crash(
                    crash_id,
                    parse_time(row[mapping["time"]], zone),
                    lat,
                    lon,
                    _severity(row, mapping),
                    crash_type,
                )
            )
        except (ValueError, TypeError, KeyError) as exc:
            result.rejected.append((line, str(exc) or type(exc).__name__))
    return result


def _shape_problem(row: dict[str | None, str | None], columns: int) -> str | None:
    """What is wrong with a row that does not have one value per column, in words."""
    if None in row:
        return f"more fields than the header's {columns} columns"
    missing = [k for k, v in row.items() if v is None and k is not None]
    if not missing:
        return None
    if any("\n" in (v or "") for v in row.values()):
        return (
            'a quoted field is not closed (a " without its closing "), so the rest of the '
            "file ran into it"
        )
    return (
        f"{columns - len(missing)} field(s) where the header has {columns}; "
        f"no value for {', '.join(str(k) for k in missing[:5])}"
    )


def _decode(raw: bytes, encoding: str | None, path: Path) -> str:
    for candidate in [encoding] if encoding else ["utf-8-sig", "cp949"]:
        try:
            return raw.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise CrashFileError(f"{path}: cannot decode as {encoding or 'UTF-8 or CP949'}")
