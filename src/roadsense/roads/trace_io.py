"""Read position traces from CSV and write them back with their matches.

Input columns: ``vehicle_id``, ``ts`` (ISO 8601 with a timezone, or epoch seconds),
``lat``, ``lon``, and optionally ``speed`` (m/s) and ``heading`` (degrees). A bad row is
an error that names its line: rows are never dropped silently. Every error is one line
(the command line prints it and exits 2).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from roadsense.errors import RoadsenseError
from roadsense.roads.matcher import PointMatch
from roadsense.roads.trips import TracePoint

REQUIRED = ("vehicle_id", "ts", "lat", "lon")
OPTIONAL = ("speed", "heading")
MATCH_COLUMNS = ("osm_way_id", "segment_id", "match_distance_m", "matched", "unmatched_reason")


class TraceFileError(RoadsenseError, ValueError):
    """A trace file is missing, has no header, or has bad rows (listed by line)."""


@dataclass(frozen=True)
class TraceRow:
    """One CSV row: its line number, its raw values and the parsed fix."""

    line: int
    values: dict[str, str]
    vehicle_id: str
    point: TracePoint


def parse_time(text: str) -> float:
    """Epoch seconds of an ISO 8601 time with a timezone, or of epoch seconds."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(f"time {text!r} is not finite")
        return value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {text!r} is neither ISO 8601 nor epoch seconds") from None
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone (add Z or +09:00)")
    return moment.timestamp()


def _number(values: dict[str, str], name: str, lo: float, hi: float) -> float | None:
    text = (values.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name} {text!r} is outside {lo:g}..{hi:g}")
    return value


def read_trace_csv(path: Path) -> tuple[list[str], list[TraceRow]]:
    """The header and every row of a trace CSV; raises with all bad lines listed."""
    path = Path(path)
    if not path.is_file():
        raise TraceFileError(f"trace file not found: {path}")
    with path.open("rb") as raw:
        if raw.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise TraceFileError(f"{path}: the file is UTF-16 text; save it as UTF-8")
    try:
        return _read_rows(path)
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1].hex()
        raise TraceFileError(
            f"{path}: not UTF-8 text (byte 0x{bad} cannot be read); save it as UTF-8"
        ) from None
    except csv.Error as exc:
        raise TraceFileError(f"{path}: not a readable CSV file ({exc})") from None


def _read_rows(path: Path) -> tuple[list[str], list[TraceRow]]:
    rows: list[TraceRow] = []
    errors: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise TraceFileError(f"{path}: missing column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for values in reader:
            line = reader.line_num
            try:
                if None in values:
                    raise ValueError("more fields than the header")
                vid = (values.get("vehicle_id") or "").strip()
                if not vid:
                    raise ValueError("empty vehicle_id")
                lat = _number(values, "lat", -90, 90)
                lon = _number(values, "lon", -180, 180)
                if lat is None or lon is None:
                    raise ValueError("lat and lon are required")
                point = TracePoint(
                    ts=parse_time(values.get("ts") or ""),
                    lat=lat,
                    lon=lon,
                    speed_mps=_number(values, "speed", 0, 150),
                    heading_deg=_number(values, "heading", 0, 360),
                )
            except ValueError as exc:
                errors.append(f"line {line}: {exc}")
                continue
            rows.append(TraceRow(line, dict(values), vid, point))
    if errors:
        shown = "; ".join(errors[:5])
        more = f"; ... and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise TraceFileError(f"{path}: {len(errors)} bad row(s): {shown}{more}")
    return header, rows


def write_matched_csv(
    path: Path, header: Sequence[str], rows: Sequence[TraceRow], matches: Sequence[PointMatch]
) -> None:
    """The input columns plus ``osm_way_id, segment_id, match_distance_m, matched,
    unmatched_reason`` (why a row is not matched; empty when it is)."""
    columns = [*header, *(c for c in MATCH_COLUMNS if c not in header)]
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row, match in zip(rows, matches, strict=True):
            out = dict(row.values)
            out["osm_way_id"] = "" if match.osm_way_id is None else str(match.osm_way_id)
            out["segment_id"] = match.segment_id or ""
            out["match_distance_m"] = "" if match.distance_m is None else f"{match.distance_m:.2f}"
            out["matched"] = "true" if match.matched else "false"
            out["unmatched_reason"] = match.reason or ""
            writer.writerow(out)
