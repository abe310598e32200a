"""``export_lake``: the store's raw tables and map matches into the lake, a UTC day at a time.

Small tables (the fleet memberships) are written whole after the days, to a temporary
file moved into place, and entered in the manifest with their digest; a file whose rows
did not change is left as it is.

Incremental and idempotent: a day is written only when the store's row count for it (or
the upload schema version, or for matches the road network) differs from the manifest's
entry, and then whole; a day gone
from the store (pruned, see docs/privacy.md) is removed from the lake, so the lake never
keeps raw traces longer than the store does (map matches the lake made itself with
``roadsense lake match`` on the store's road network, where the store has none for a day,
stay while the store holds that day's records). Crash-safe: each partition is streamed to a
temporary file, moved into place when complete, and only then entered in the manifest;
an interrupted export leaves old or new partitions, never half of one, and a rerun
completes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from roadsense.lake.errors import LakeError
from roadsense.lake.geometry import geo_schema, has_points, with_points
from roadsense.lake.manifest import (
    MANIFEST_NAME,
    Manifest,
    Partition,
    WholeFile,
    partition_dir,
    partition_file,
    whole_file,
)
from roadsense.lake.target import LakeTarget
from roadsense.progress import Progress
from roadsense.schema import SCHEMA_VERSION
from roadsense.store.day_rows_store import (
    DEFAULT_BATCH_ROWS,
    LAKE_TABLES,
    MATCH_TABLES,
    RAW_SCHEMAS,
    WHOLE_TABLES,
    DayRowsStore,
    LakeTable,
    WholeTable,
)

LAKE_METADATA_KEY = b"roadsense"
"""Parquet metadata of every file: the table, the day and the upload schema version."""


@dataclass
class ExportResult:
    """What one export did, per table."""

    written: dict[str, dict[date, int]] = field(default_factory=dict)
    """Rows written per table and day (days left as they were are not listed)."""
    removed: dict[str, list[date]] = field(default_factory=dict)
    """Days dropped from the lake because the store no longer holds them."""
    unchanged: dict[str, int] = field(default_factory=dict)
    """Days per table already exported as the store holds them."""
    whole: dict[str, int] = field(default_factory=dict)
    """Rows written per table held whole (tables left as they were are not listed)."""

    @property
    def rows_written(self) -> int:
        return sum(sum(days.values()) for days in self.written.values())


def load_manifest(target: LakeTarget) -> Manifest:
    """The lake's manifest, or an empty one for a new lake."""
    text = target.read_text(MANIFEST_NAME)
    if text is None:
        return Manifest(SCHEMA_VERSION)
    return Manifest.from_json(text, target.path(MANIFEST_NAME))


def export_lake(
    db: DayRowsStore,
    to: str,
    *,
    progress: Progress | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ExportResult:
    """Bring the lake at ``to`` up to date with the store (see the module's docstring)."""
    target = LakeTarget.open(to)
    manifest = load_manifest(target)
    target.clear_temp()
    manifest.upload_schema_version = SCHEMA_VERSION
    result = ExportResult()
    raw_days = set(db.raw_day_counts("positions")) | set(db.raw_day_counts("events"))
    for table in LAKE_TABLES:
        counts = db.raw_day_counts(table)
        # matches the lake made itself (``roadsense lake match``) of the store's network,
        # where the store has none, stay as long as the store holds the day's records
        kept = raw_days if table in MATCH_TABLES else set()
        source = db.lake_table_version(table)
        exported = manifest.tables.setdefault(table, {})
        wanted = {day: Partition(n, SCHEMA_VERSION, source) for day, n in counts.items()}
        gone = sorted(
            day
            for day, p in exported.items()
            if day not in wanted and not (day in kept and p.derived_from == source)
        )
        todo = sorted(day for day, p in wanted.items() if exported.get(day) != p)
        result.unchanged[table] = len(wanted) - len(todo)
        for day in gone:
            target.remove_dir(partition_dir(table, day))
            del exported[day]
            target.put_text(MANIFEST_NAME, manifest.to_json())
        result.removed[table] = gone
        written = result.written.setdefault(table, {})
        if progress and todo:  # a bar per table with days to write
            progress(table, 0, len(todo))
        for i, day in enumerate(todo, 1):
            rows = write_partition(db, target, table, day, batch_rows)
            written[day] = rows
            exported[day] = Partition(rows, SCHEMA_VERSION, source)
            target.put_text(MANIFEST_NAME, manifest.to_json())
            if progress:
                progress(table, i, len(todo))
    for whole in WHOLE_TABLES:
        held = write_whole(db, target, manifest, whole)
        if held is not None:
            result.whole[whole] = held
    return result


def write_whole(
    db: DayRowsStore, target: LakeTarget, manifest: Manifest, table: WholeTable
) -> int | None:
    """Replace the file of a small table when its rows changed, then its manifest entry;
    the rows written, None when the lake held them already."""
    rows = db.whole_table_rows(table)
    digest = hashlib.sha256(json.dumps(rows.to_pylist(), default=str).encode()).hexdigest()
    entry = WholeFile(rows.num_rows, SCHEMA_VERSION, digest)
    if manifest.whole.get(table) == entry:
        return None
    metadata = {
        LAKE_METADATA_KEY: json.dumps(
            {"table": table, "upload_schema_version": SCHEMA_VERSION}
        ).encode()
    }
    temp = target.temp_path(".parquet")
    with _kept_whole_or_gone(target, temp, table):
        pq.write_table(rows.replace_schema_metadata(metadata), temp, filesystem=target.fs)
        target.move_into_place(temp, whole_file(table))
    manifest.whole[table] = entry
    target.put_text(MANIFEST_NAME, manifest.to_json())
    return int(rows.num_rows)


def write_partition(
    db: DayRowsStore, target: LakeTarget, table: LakeTable, day: date, batch_rows: int
) -> int:
    """Stream one day of ``table`` into its partition file; the rows written."""
    temp, rows = write_temp(target, table, day, db.raw_day_rows(table, day, batch_rows))
    with _kept_whole_or_gone(target, temp, f"{table} of {day}"):
        target.move_into_place(temp, partition_file(table, day))
    return rows


def write_temp(
    target: LakeTarget, table: LakeTable, day: date, batches: Iterable[pa.RecordBatch]
) -> tuple[str, int]:
    """Stream the record ``batches`` (schema ``RAW_SCHEMAS[table]``) of one day of
    ``table`` into a temporary file of the lake, in the partition's format; the file and
    the rows written. The caller moves it into place (``partition_file``) and enters it in
    the manifest."""
    schema = RAW_SCHEMAS[table]
    points = has_points(schema)
    metadata = {
        LAKE_METADATA_KEY: json.dumps(
            {"table": table, "day": day.isoformat(), "upload_schema_version": SCHEMA_VERSION}
        ).encode()
    }
    tagged = schema.with_metadata(metadata)
    out_schema = geo_schema(tagged) if points else tagged
    temp = target.temp_path(".parquet")
    rows = 0
    with (
        _kept_whole_or_gone(target, temp, f"{table} of {day}"),
        pq.ParquetWriter(temp, out_schema, filesystem=target.fs) as writer,
    ):
        for batch in batches:
            writer.write_batch(with_points(batch, out_schema) if points else batch)
            rows += batch.num_rows
    return temp, rows


@contextlib.contextmanager
def _kept_whole_or_gone(target: LakeTarget, temp: str, what: str) -> Iterator[None]:
    """Write ``temp`` (and move it into place) inside: on any failure the temporary file
    is deleted; a failure to write is one :class:`LakeError` naming ``what``."""
    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        _discard(target, temp)
        raise LakeError(f"cannot write {what} to {target.shown}: {exc}") from exc
    except BaseException:
        _discard(target, temp)
        raise


def _discard(target: LakeTarget, temp: str) -> None:
    # never written, or already moved; the next export clears _tmp anyway
    with contextlib.suppress(OSError, pa.ArrowException):
        target.fs.delete_file(temp)
