"""``roadsense lake match``: map matching of the lake's positions on Spark's executors.

The days of the lake whose positions (or events) have no matched partition of the road
network given (none, one of another network's digest, or one whose row count is not the
day's) are matched per vehicle and UTC day with the store's own matching code
(``trace_points``, ``fix_matches`` and ``placed_records`` of
:mod:`roadsense.roads.store_sync`, and :class:`~roadsense.roads.matcher.MapMatcher`): a
vehicle's fixes of the day, with its fixes within ``context_s`` on each side of midnight
(so that a trip across it is matched whole, as the store re-matches a span with
context), make one trace; its events of the day are placed on it.

The Valhalla tiles and the road network are shipped once per job: one tar file
(``SparkContext.addArchive``), which Spark fetches and unpacks once per executor, and
which each Python worker opens once (:data:`_MATCHERS`). Each day's matches are sorted by
vehicle and time (Spark's external sort: a day need not fit in a task's memory), written by
one task to a temporary file of the lake in the format ``roadsense lake export`` writes, and moved
into place and entered in the manifest by the driver with the network's digest
(``derived_from``), one partition at a time: an interrupted run leaves old or new
partitions, never half of one, and a rerun adds nothing.
"""

from __future__ import annotations

import json
import pickle
import tarfile
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from roadsense.lake.errors import LakeError
from roadsense.lake.export import write_temp
from roadsense.lake.manifest import MANIFEST_NAME, Manifest, Partition, partition_file
from roadsense.lake.target import LakeTarget
from roadsense.progress import Progress
from roadsense.roads.matcher import MapMatcher, MatchOptions
from roadsense.roads.network import RoadNetwork
from roadsense.roads.service import CityRoads
from roadsense.roads.store_sync import fix_matches, placed_records, trace_points
from roadsense.roads.tiles import CONFIG_FILE, valhalla_config
from roadsense.schema import SCHEMA_VERSION
from roadsense.spark.errors import SparkEngineError
from roadsense.spark.lake_reads import open_lake
from roadsense.spark.progress import stage_progress
from roadsense.spark.session import SparkOptions, spark_session
from roadsense.store.day_rows_store import DEFAULT_BATCH_ROWS, RAW_SCHEMAS, MatchTable
from roadsense.store.roads_rows import FixRow, TimedRecord

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DAY_US = 86_400_000_000
"""Microseconds in a UTC day."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIX, _EVENT = 0, 1
_OUTPUTS: tuple[MatchTable, MatchTable] = ("matched_positions", "matched_events")
_SOURCE = {"matched_positions": "positions", "matched_events": "events"}


@dataclass
class LakeMatchRun:
    """What one run did."""

    network: str
    """The digest of the road network matched on."""
    days: list[date] = field(default_factory=list)
    """The UTC days matched (empty: the lake's matches were all up to date)."""
    fixes: int = 0
    matched: int = 0
    events: int = 0
    events_matched: int = 0


def days_to_match(manifest: Manifest, network: str) -> list[date]:
    """The UTC days whose positions or events lack a matched partition of ``network``
    with as many rows as they have."""
    todo: set[date] = set()
    for table in _OUTPUTS:
        raw = manifest.tables.get(_SOURCE[table], {})
        done = manifest.tables.get(table, {})
        for day, part in raw.items():
            have = done.get(day)
            if have is None or have.derived_from != network or have.rows != part.rows:
                todo.add(day)
    return sorted(todo)


def match_lake(
    lake: str,
    roads: CityRoads,
    network: str,
    options: SparkOptions,
    match_options: MatchOptions | None = None,
    progress: Progress | None = None,
    context_s: float = 120.0,
) -> LakeMatchRun:
    """Match what the lake at ``lake`` has not matched on ``roads`` (digest ``network``)
    yet; no Spark session starts when nothing is to do."""
    _, manifest = open_lake(lake)
    days = days_to_match(manifest, network)
    if not days:
        return LakeMatchRun(network)
    from roadsense.spark.engine import require_pyspark

    require_pyspark()
    with spark_session(options) as spark, stage_progress(spark, progress):
        try:
            return match_on(spark, lake, roads, network, days, match_options, progress, context_s)
        except (SparkEngineError, LakeError):
            raise
        except Exception as exc:  # py4j and pyspark raise many kinds; one line for all
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise SparkEngineError(
                f"the matching job failed: {first} (Spark's log: {options.log_file})"
            ) from exc


def match_on(
    spark: SparkSession,
    lake: str,
    roads: CityRoads,
    network: str,
    days: list[date],
    match_options: MatchOptions | None = None,
    progress: Progress | None = None,
    context_s: float = 120.0,
) -> LakeMatchRun:
    """:func:`match_lake`'s job for ``days`` on a running session."""
    from pyspark.sql import functions as sf

    root, manifest = open_lake(lake)
    target = LakeTarget.open(lake)
    where = lake if "://" in lake else target.root  # as the executors find it
    run = LakeMatchRun(network, list(days))
    want = frozenset(_ordinal(d) for d in days)
    positions = manifest.tables.get("positions", {})
    events = manifest.tables.get("events", {})
    # the days before and after give the context across midnight
    read = sorted(d for d in positions if {_ordinal(d) - 1, _ordinal(d), _ordinal(d) + 1} & want)
    outputs: list[tuple[MatchTable, date]] = [
        (table, d)
        for table in _OUTPUTS
        for d in days
        if d in manifest.tables.get(_SOURCE[table], {})
    ]
    index: dict[tuple[str, int], int] = {
        (table, _ordinal(d)): i for i, (table, d) in enumerate(outputs)
    }
    with tempfile.TemporaryDirectory(prefix="roadsense-match-") as work:
        bundle = ship_roads(roads, Path(work))
        spark.sparkContext.addArchive(str(bundle))
        records = spark.sparkContext.emptyRDD()
        if read:
            fixes = _frame(spark, root, "positions", read).select(
                "vehicle_id",
                sf.unix_micros("ts").alias("us"),
                "lat",
                "lon",
                "speed_mps",
                "heading_deg",
            )
            records = fixes.rdd.flatMap(partial(_keyed_fix, want, int(context_s * 1e6)))
        event_days = [d for d in days if d in events]
        if event_days:
            placed = _frame(spark, root, "events", event_days).select(
                "vehicle_id", sf.unix_micros("ts").alias("us"), "event_id"
            )
            records = records.union(placed.rdd.map(_keyed_event))
        groups = int(spark.conf.get("spark.sql.shuffle.partitions") or "8")
        matched = records.groupByKey(groups).flatMap(
            partial(_match_group, bundle.name, match_options or MatchOptions(), index)
        )
        written = (
            matched.repartitionAndSortWithinPartitions(
                max(1, len(outputs)), partitionFunc=_output_of
            )
            .mapPartitionsWithIndex(partial(_write_output, where, outputs))
            .collect()
        )
    if progress is not None:
        progress("partitions", 0, len(written))
    for i, (k, rows, on_road, temp) in enumerate(sorted(written), 1):
        table, day = outputs[k]
        target.move_into_place(temp, partition_file(table, day))
        manifest.tables.setdefault(table, {})[day] = Partition(rows, SCHEMA_VERSION, network)
        target.put_text(MANIFEST_NAME, manifest.to_json())
        if table == "matched_positions":
            run.fixes, run.matched = run.fixes + rows, run.matched + on_road
        else:
            run.events, run.events_matched = run.events + rows, run.events_matched + on_road
        if progress is not None:
            progress("partitions", i, len(written))
    return run


def ship_roads(roads: CityRoads, folder: Path) -> Path:
    """One tar file of the Valhalla tiles and the road network, what Spark unpacks on
    every executor (its name, unique per run, keys the workers' cache)."""
    bundle = folder / f"roadsense-roads-{uuid.uuid4().hex}.tar"
    with tarfile.open(bundle, "w") as tar:
        tar.add(roads.tiles_config.parent / "tiles", arcname="tiles")
        network = folder / "network.pickle"
        network.write_bytes(pickle.dumps(roads.network, protocol=pickle.HIGHEST_PROTOCOL))
        tar.add(network, arcname="network.pickle")
    return bundle


_MATCHERS: dict[tuple[str, str], MapMatcher] = {}
"""The matcher of each shipped bundle, per Python worker: Valhalla opened once."""


def executor_matcher(bundle: str, options: MatchOptions) -> MapMatcher:
    """The matcher on the shipped ``bundle`` (unpacked once per executor by Spark:
    ``SparkContext.addArchive``), opened once per Python worker."""
    key = (bundle, repr(options))
    if key not in _MATCHERS:
        from pyspark import SparkFiles

        folder = Path(SparkFiles.get(bundle))
        config = Path(tempfile.mkdtemp(prefix="roadsense-valhalla-")) / CONFIG_FILE
        config.write_text(json.dumps(valhalla_config(folder / "tiles")), encoding="utf-8")
        # the bundle this job wrote (ship_roads), not data from outside
        network: RoadNetwork = pickle.loads((folder / "network.pickle").read_bytes())  # noqa: S301
        _MATCHERS[key] = MapMatcher(network, config, options)
    return _MATCHERS[key]


def _ordinal(day: date) -> int:
    """Days since the epoch."""
    return (day - _EPOCH.date()).days


def _frame(spark: SparkSession, root: str, table: str, days: Iterable[date]) -> Any:
    files = [f"{root}/{partition_file(table, d)}" for d in days]
    return spark.read.option("basePath", f"{root}/{table}").parquet(*files)


def _keyed_fix(
    want: frozenset[int], context_us: int, row: Any
) -> Iterator[tuple[tuple[str, int], tuple[Any, ...]]]:
    """A fix under its vehicle and day (``own``), and as context of the day before or
    after when it lies within ``context_us`` of midnight."""
    vid, us, lat, lon, speed, heading = row
    day = us // DAY_US
    for d, near in (
        (day, True),
        (day - 1, us - day * DAY_US <= context_us),
        (day + 1, (day + 1) * DAY_US - us <= context_us),
    ):
        if near and d in want:
            yield (str(vid), d), (_FIX, int(us), d == day, lat, lon, speed, heading)


def _keyed_event(row: Any) -> tuple[tuple[str, int], tuple[Any, ...]]:
    vid, us, event_id = row
    return (str(vid), us // DAY_US), (_EVENT, int(us), True, str(event_id))


def _ts(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _match_group(
    bundle: str,
    options: MatchOptions,
    index: dict[tuple[str, int], int],
    item: tuple[tuple[str, int], Iterable[tuple[Any, ...]]],
) -> Iterator[tuple[tuple[int, str, int, str], tuple[Any, ...]]]:
    """One vehicle's day matched (run on an executor): its rows of each output, keyed by
    (output, vehicle, time, event id) for the sort."""
    (vid, day), values = item
    rows = list(values)
    fixes = sorted((r for r in rows if r[0] == _FIX), key=lambda r: r[1])
    events = sorted((r for r in rows if r[0] == _EVENT), key=lambda r: (r[1], r[3]))
    matcher = executor_matcher(bundle, options)
    trace = [FixRow(_ts(r[1]), r[3], r[4], r[5], r[6]) for r in fixes]
    result = matcher.match(trace_points(trace))
    out = index.get(("matched_positions", day))
    if out is not None:
        for r, m in zip(fixes, fix_matches(trace, result), strict=True):
            if r[2]:  # not the context of the day before or after
                row = (vid, r[1], m.matched, m.osm_way_id, m.segment_id)
                yield (out, vid, r[1], ""), (*row, m.distance_m, m.quality, m.trip, m.speed_mps)
    out = index.get(("matched_events", day))
    if out is not None and events:
        asked = [TimedRecord(_ts(r[1]), r[3]) for r in events]
        for r, p in zip(events, placed_records(matcher, result, asked), strict=True):
            placed = (p.key, vid, r[1], p.matched, p.osm_way_id, p.segment_id)
            yield (out, vid, r[1], p.key), (*placed, p.road_lon, p.road_lat)


def _output_of(key: tuple[int, str, int, str]) -> int:
    return key[0]


def _write_output(
    lake: str,
    outputs: list[tuple[MatchTable, date]],
    k: int,
    rows: Iterator[tuple[tuple[int, str, int, str], tuple[Any, ...]]],
) -> Iterator[tuple[int, int, int, str]]:
    """One output partition's sorted rows into a temporary file of the lake (run on an
    executor): (output, rows, matched rows, temporary file)."""
    first = next(rows, None)
    if first is None:
        return
    table, day = outputs[k]
    schema = RAW_SCHEMAS[table]
    flag = schema.get_field_index("matched")
    on_road = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal on_road
        chunk: list[tuple[Any, ...]] = [first[1]]
        for _, row in rows:
            chunk.append(row)
            if len(chunk) >= DEFAULT_BATCH_ROWS:
                on_road += sum(1 for r in chunk if r[flag])
                yield _batch(schema, chunk)
                chunk = []
        if chunk:
            on_road += sum(1 for r in chunk if r[flag])
            yield _batch(schema, chunk)

    temp, n = write_temp(LakeTarget.open(lake), table, day, batches())
    yield k, n, on_road, temp


def _batch(schema: pa.Schema, chunk: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = list(zip(*chunk, strict=True))
    return pa.RecordBatch.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
        schema=schema,
    )
