"""A small store of raw records over known UTC days, for the lake's tests."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from roadsense.lake.manifest import partition_file
from roadsense.lake.target import LakeTarget
from roadsense.schema import AnyRecord, LaneSample, SignSighting
from roadsense.store import RAW_TABLES, Store
from tests.factories import HELSINKI, batch, event, position

DAY1 = date(2025, 6, 2)
DAY2 = date(2025, 6, 3)
DAY3 = date(2025, 6, 4)
_T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def day_records(day: date, vehicle: str, n: int, *, late: bool = False) -> list[AnyRecord]:
    """``n`` positions, ``n // 2`` events (one without a fix), a sign and a lane sample
    of ``vehicle`` on ``day``; with ``late``, one more position at 23:59:59 UTC (the next
    day in Daegu or Helsinki, still ``day`` in the lake)."""
    base = (day - DAY1).days * 86_400  # seconds from the factories' T0, 08:00 UTC on DAY1
    items: list[AnyRecord] = [
        position(vehicle, base + i, HELSINKI[0] + i * 1e-4, HELSINKI[1]) for i in range(n)
    ]
    items += [event(vehicle, base + 2 * i) for i in range(n // 2 - 1)]
    items.append(event(vehicle, base + 1, lat=None, lon=None))
    when = _T0 + timedelta(seconds=base)
    items.append(
        SignSighting(
            vehicle_id=vehicle,
            time=when,
            lat=HELSINKI[0],
            lon=HELSINKI[1],
            sign_type="limit",
            value=50.0,
        )
    )
    items.append(
        LaneSample(vehicle_id=vehicle, time=when, side="left", marking_type="solid", quality=2)
    )
    if late:
        items.append(position(vehicle, base + 16 * 3600 - 1))
    return items


def fill(db: Store, day: date, vehicle: str, n: int, *, late: bool = False) -> None:
    """Store :func:`day_records` in one batch."""
    result = db.ingest(batch(day_records(day, vehicle, n, late=late), device=f"gw-{vehicle}"))
    assert result.status == "stored"


def expected(*days: tuple[date, int, bool]) -> dict[str, Counter[date]]:
    """The rows per table and day that :func:`fill` calls with ``(day, n, late)`` made."""
    counts: dict[str, Counter[date]] = {t: Counter() for t in RAW_TABLES}
    for day, n, late in days:
        counts["positions"][day] += n + int(late)
        counts["events"][day] += n // 2
        counts["sign_sightings"][day] += 1
        counts["lane_samples"][day] += 1
    return counts


def lake_counts(root: str) -> dict[str, Counter[date]]:
    """Rows per table and day in the lake's partition files, read back from Parquet."""
    target = LakeTarget.open(root)
    counts: dict[str, Counter[date]] = {t: Counter() for t in RAW_TABLES}
    for table in RAW_TABLES:
        for day in (DAY1, DAY2, DAY3):
            path = target.path(partition_file(table, day))
            if target.fs.get_file_info(path).size is not None:
                counts[table][day] = pq.read_metadata(path).num_rows
    return counts


def visible_files(root: Path) -> dict[str, bytes]:
    """Every file a reader of the lake sees (not the manifest, not ``_tmp``), with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith("_") for part in p.relative_to(root).parts)
    }
