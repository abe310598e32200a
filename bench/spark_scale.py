"""The analysis on DuckDB and on Spark ``local[2]`` side by side, at 1x, 2x and 4x the data.

For each scale factor F (``--scales 1,2,4``):

1. a DuckDB store of ``round(875 * F)`` taxis over ``--days`` days (default 7: a week of
   Daegu's fitted fleet is 1x), made by the dashboard bench's generator
   (``bench/dashboard_api.py``: one 10 h shift a day, a fix every 5 s on a random walk over
   Helsinki's streets, events at 0.5 per vehicle-km, most in 25 hotspot cells);
2. ``roadsense lake export --to LAKE --store STORE`` into an empty lake (timed), then once
   more (nothing new: the cost of an idempotent rerun);
3. the embedded engine: ``analyze`` over the DuckDB store in a child process, every read
   of the store timed (the stages: exposure per cell, events per cell, per month,
   vehicle-hours ...);
4. the Spark engine (what ``roadsense analyze --engine spark --lake LAKE --master
   local[2]`` runs) over the same data, as a new process (JVM start included), every read
   of its source timed by the same names;
5. the ranked sites of both engines compared (the same ids in the same order).

It prints wall seconds per stage, the ratio Spark / DuckDB and rows per second per core
(positions or events read, divided by the 2 cores both engines use), then the plan for
16,000 and 250,000 taxis derived from the per-core rates of the largest scale (its
analysis less Spark's session start, a fixed cost).
``--write`` puts it into docs/benchmarks.md (``## Spark scale``) and the derived table into
docs/scale.md (between its ``spark_scale`` markers).

Run: ``nice .venv/bin/python bench/spark_scale.py --scales 1,2,4 --write`` (the data is
deleted after each scale unless ``--keep``; a kept store is reused by the next run).
Smoke: ``.venv/bin/python bench/spark_scale.py --scales 0.05 --days 2``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from benchmarks_doc import ROOT, machine, write_section
from dashboard_api import generate

HEADING = "## Spark scale (`bench/spark_scale.py`)"
SCALE_DOC = ROOT / "docs" / "scale.md"
BEGIN, END = "<!-- spark_scale:begin -->", "<!-- spark_scale:end -->"
BASE_TAXIS = 875
FIX_S = 5.0
SHIFT_H = 10.0
SEED = 875
ROADSENSE = str(Path(sys.executable).with_name("roadsense"))

READS: dict[str, str] = {
    "exposure_by_cell": "positions",
    "cell_period_exposure": "positions",
    "segment_fixes": "positions",
    "vehicle_hours": "positions",
    "vehicle_periods": "positions",
    "hourly_aggregates": "positions",
    "events_by_cell": "events",
    "cell_event_counts": "events",
    "cell_period_events": "events",
    "placed_events": "events",
}
"""What each read of the store scans (for rows per second); vehicle-hours and the hourly
aggregates read the events too, counted with the positions they are dominated by."""

# Figures of other sections of docs/benchmarks.md the plan uses (re-measure there).
INGEST_RECORDS_PER_CORE_S = 16_288 / (0.76 + 0.21)
"""City ingest service, the Daegu fleet on PostgreSQL (2 workers): 16,288 records/s in
10-record batches (one 10 s batch of 1 Hz fixes) on 76 % + 21 % of a core."""
INGEST_BULK_RECORDS_PER_CORE_S = 107_568 / (1.34 + 0.17)
"""The same, maximum scenario (500-record batches): 107,568 records/s on 151 % of a core."""
MATCH_FIXES_PER_CPU_S = 17_524 / 3.99
"""Map matching over the store: 17,524 fixes in 3.81-4.16 CPU s (3.99, the middle round)."""

PLAN_TAXIS = {"Daegu (all taxis)": 16_000, "Korea": 250_000}
PLAN_SHIFT_H = 11.0
"""Hours a taxi drives a day in the plan (10-12 h shifts)."""
PLAN_FIX_S = 1.0


@dataclass
class Stage:
    """One timed stage of one engine."""

    name: str
    seconds: float
    calls: int = 1
    reads: str = ""


@dataclass
class EngineRun:
    """One engine's analysis of one scale."""

    engine: str
    wall_s: float
    """The process's wall time, start-up included."""
    analysis_s: float
    """The analysis alone (the whole process where the engine does not say)."""
    stages: list[Stage] = field(default_factory=list)
    top: list[str] = field(default_factory=list)
    """Ranked site ids, best first."""
    error: str = ""


@dataclass
class ScaleRun:
    """Everything measured at one scale."""

    factor: float
    data: dict[str, Any]
    export_s: float
    reexport_s: float
    lake_bytes: int
    engines: dict[str, EngineRun] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        return {"positions": self.data["positions"], "events": self.data["events"]}


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _say(text: str) -> None:
    print(text, flush=True)


# --- data ---------------------------------------------------------------------------------


def make_store(work: Path, taxis: int, days: int) -> dict[str, Any]:
    """The scale's store (kept from an earlier ``--keep`` run when it is the same data)."""
    store, meta = work / "store.duckdb", work / "store.json"
    want = {"vehicles": taxis, "days": days, "fix_s": FIX_S, "shift_h": SHIFT_H, "seed": SEED}
    if store.exists() and meta.exists():
        data: dict[str, Any] = json.loads(meta.read_text())
        if all(data.get(k) == v for k, v in want.items()):
            _say(f"  store kept from an earlier run: {store}")
            return data
    for stale in (store, meta, Path(f"{store}.wal")):
        stale.unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    _say(f"  generating {taxis} taxis x {days} days into {store} ...")
    data = generate(store, taxis, days, FIX_S, SHIFT_H, SEED)
    data["seed"] = SEED
    meta.write_text(json.dumps(data))
    return data


def _run(cmd: list[str], log: Path, show: bool = False) -> float:
    """Run ``cmd`` with its output in ``log`` (and here with ``show``); its wall seconds.
    Exits on failure."""
    start = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert child.stdout is not None
        for line in child.stdout:
            out.write(line)
            if show:
                print(line, end="", flush=True)
        code = child.wait()
    wall = time.perf_counter() - start
    if code != 0:
        tail = log.read_text(errors="replace")[-2000:]
        sys.exit(f"{' '.join(cmd)} failed ({code}); the end of {log}:\n{tail}")
    return wall


def export(work: Path) -> tuple[float, float, int]:
    """The lake exported from scratch, then again; (seconds, seconds again, lake bytes)."""
    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    cmd = [ROADSENSE, "lake", "export", "--to", str(lake), "--store", str(work / "store.duckdb")]
    first = _run(cmd, work / "export.log")
    again = _run(cmd, work / "export-again.log")
    return first, again, _du(lake)


# --- the engines --------------------------------------------------------------------------


class _Timed:
    """An analysis source with every public method call timed by name."""

    def __init__(self, inner: object, stages: dict[str, Stage], engine: str) -> None:
        self._inner = inner
        self._stages = stages
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                stage = self._stages.setdefault(name, Stage(name, 0.0, 0, READS.get(name, "")))
                stage.seconds += spent
                stage.calls += 1
                _say(f"    {self._engine}: {name} {spent:.2f} s")

        return timed


def engine_worker(
    engine: str, store: Path, out: Path, report: Path, lake: str, master: str
) -> None:
    """In this (child) process: one engine's analysis, each read of its source timed (the
    same method names on both engines: those of ``AnalysisSource``)."""
    from contextlib import ExitStack

    from roadsense.analytics.analysis_source import AnalysisSource, StoreSource
    from roadsense.analytics.analyze import AnalyzeParams, analyze
    from roadsense.store import open_store

    stages: dict[str, Stage] = {}
    with ExitStack() as stack:
        db = stack.enter_context(open_store(str(store)))
        source: object = StoreSource(db)
        start = time.perf_counter()
        if engine == "spark":
            from roadsense.spark.engine import spark_source
            from roadsense.spark.session import SparkOptions

            options = SparkOptions(master=master, log_dir=out.parent / "spark-log")
            source = stack.enter_context(spark_source(lake, options))
            stages["session start"] = Stage("session start", time.perf_counter() - start, 1, "")
        else:
            start = time.perf_counter()
        timed = cast(AnalysisSource, _Timed(source, stages, engine))
        result = analyze(db, out, AnalyzeParams(), source=timed)
        analysis = time.perf_counter() - start
    top = [c.cell for c in result.screenings["ALL"].cells]
    report.write_text(
        json.dumps(
            {"analysis_s": analysis, "stages": [asdict(s) for s in stages.values()], "top": top}
        )
    )


def run_engine(engine: str, work: Path, master: str) -> EngineRun:
    """One engine's analysis as a new process (for Spark: JVM start-up included)."""
    out, report = work / engine, work / f"{engine}.json"
    shutil.rmtree(out, ignore_errors=True)
    report.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--worker", engine, str(work / "store.duckdb"), str(out)]
    cmd += [str(report), str(work / "lake"), master]
    wall = _run(cmd, work / f"{engine}.log", show=True)
    got = json.loads(report.read_text())
    stages = [Stage(**s) for s in got["stages"]]
    return EngineRun(engine, wall, got["analysis_s"], stages, got["top"])


ENGINES = ("duckdb", "spark")


# --- one scale ----------------------------------------------------------------------------


def run_scale(root: Path, factor: float, days: int, master: str, engines: list[str]) -> ScaleRun:
    taxis = max(1, round(BASE_TAXIS * factor))
    work = root / f"x{factor:g}"
    _say(f"scale {factor:g}x: {taxis} taxis, {days} days")
    data = make_store(work, taxis, days)
    _say(f"  {data['positions']:,} positions, {data['events']:,} events")
    first, again, size = export(work)
    _say(f"  lake export {first:.1f} s ({size / 1e9:.2f} GB), again (nothing new) {again:.1f} s")
    run = ScaleRun(factor, data, first, again, size)
    for name in engines:
        _say(f"  {name} ...")
        run.engines[name] = run_engine(name, work, master)
        e = run.engines[name]
        _say(f"  {name}: {e.wall_s:.1f} s wall ({e.analysis_s:.1f} s analysis)")
    return run


# --- figures ------------------------------------------------------------------------------


def per_core(rows: int, seconds: float, cores: int) -> float:
    return rows / seconds / cores if seconds > 0 else float("nan")


def stage_rows(run: ScaleRun) -> list[tuple[str, str, int, dict[str, float]]]:
    """(stage, what it reads, calls, seconds per engine) for every stage either engine reported."""
    names: dict[str, str] = {}
    for e in run.engines.values():
        for s in e.stages:
            names.setdefault(s.name, s.reads or READS.get(s.name, ""))
    out = []
    for name, reads in names.items():
        calls = max(s.calls for e in run.engines.values() for s in e.stages if s.name == name)
        label = f"{name} (x{calls})" if calls > 1 else name
        secs = {
            engine: sum(s.seconds for s in e.stages if s.name == name)
            for engine, e in run.engines.items()
            if any(s.name == name for s in e.stages)
        }
        out.append((label, reads, calls, secs))
    return out


def _fmt(x: float, digits: int = 1) -> str:
    return "-" if x != x else f"{x:,.{digits}f}"  # NaN is not equal to itself


def _ratio(run: ScaleRun, key: Callable[[EngineRun], float]) -> float:
    d, s = run.engines.get("duckdb"), run.engines.get("spark")
    return key(s) / key(d) if d and s and key(d) > 0 else float("nan")


def cost_per_position(runs: list[ScaleRun], engine: str) -> float:
    """Core-seconds of the engine's analysis per position, for extrapolation: the largest
    scale's whole analysis less Spark's session start (a fixed cost, 25-40 s here, whose
    noise swamps the marginal cost between two small scales). Job planning and the model
    fits stay in, so at larger data the figure errs high."""
    have = sorted((r for r in runs if engine in r.engines), key=lambda r: r.data["positions"])
    if not have:
        return float("nan")
    big = have[-1]
    run = big.engines[engine]
    fixed = sum(s.seconds for s in run.stages if s.name == "session start")
    return float((run.analysis_s - fixed) * _cores() / big.data["positions"])


def export_cost_per_row(runs: list[ScaleRun]) -> float:
    big = max(runs, key=lambda r: r.data["positions"])
    # the export runs on one core (one Python process streaming from the store)
    return float(big.export_s / (big.data["positions"] + big.data["events"]))


def plan_rows(runs: list[ScaleRun]) -> list[str]:
    """The derived table: what 16,000 and 250,000 taxis need, from the measured rates."""
    big = max(runs, key=lambda r: r.data["positions"])
    lake_b = big.lake_bytes / big.data["positions"]
    spark = cost_per_position(runs, "spark")
    duck = cost_per_position(runs, "duckdb")
    export_c = export_cost_per_row(runs)
    lines = [
        "| | " + " | ".join(f"{k}: {v:,} taxis" for k, v in PLAN_TAXIS.items()) + " |",
        "|---|" + "---|" * len(PLAN_TAXIS),
    ]

    def row(label: str, f: Callable[[float], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(f(t) for t in PLAN_TAXIS.values()) + " |")

    def fixes(t: float) -> float:
        return t * PLAN_SHIFT_H * 3600 / PLAN_FIX_S

    row("fixes a day (1 Hz, 11 h)", lambda t: f"{fixes(t) / 1e9:,.2f} billion")
    row("peak ingest, all taxis driving", lambda t: f"{t / PLAN_FIX_S:,.0f} records/s")
    row(
        "ingest cores at that peak (10-record batches; 500-record batches)",
        lambda t: (
            f"{t / INGEST_RECORDS_PER_CORE_S:,.1f}; {t / INGEST_BULK_RECORDS_PER_CORE_S:,.1f}"
        ),
    )
    row("lake a day (Parquet)", lambda t: f"{fixes(t) * lake_b / 1e9:,.0f} GB")
    row("lake export a day, core-hours", lambda t: f"{fixes(t) * export_c / 3600:,.1f}")
    row(
        "map matching a day, core-hours",
        lambda t: f"{fixes(t) / MATCH_FIXES_PER_CPU_S / 3600:,.0f}",
    )
    row("nightly Spark analysis of one day, core-hours", lambda t: _h(fixes(t) * spark))
    row("monthly Spark analysis of 30 days, core-hours", lambda t: _h(30 * fixes(t) * spark))
    row("the same month on one DuckDB box, hours on 2 cores", lambda t: _h(15 * fixes(t) * duck))
    return lines


def _h(core_seconds: float) -> str:
    return "-" if core_seconds != core_seconds else f"{core_seconds / 3600:,.1f}"


def section(runs: list[ScaleRun], command: str, days: int, master: str) -> str:
    cores = _cores()
    out = [
        HEADING,
        "",
        f"Command: `{command}`, {machine()}. Both engines on the same {cores} cores: DuckDB "
        f"with its default threads, Spark `{master}`.",
        "",
        f"Data: the dashboard bench's generator (`bench/dashboard_api.py`), {BASE_TAXIS} taxis "
        f"x {days} days at 1x (a fix every {FIX_S:g} s, one {SHIFT_H:g} h shift a day), "
        f"{BASE_TAXIS} x F taxis at F x. Each scale: a fresh DuckDB store, the lake exported "
        "into an empty folder (`roadsense lake export`), the embedded engine's analysis (a "
        "child process, every read of the store timed), and `roadsense analyze --engine spark "
        f"--master {master}` over the lake as a new process (JVM start-up included).",
        "",
        "| scale | taxis x days | positions | events | lake GB | export s | export again s "
        "| DuckDB s | Spark s | Spark / DuckDB | same ranked cells |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        d, s = r.engines.get("duckdb"), r.engines.get("spark")
        same = "-" if not (d and s) else ("yes" if d.top == s.top else _diff(d.top, s.top))
        out.append(
            f"| {r.factor:g}x | {r.data['vehicles']} x {r.data['days']} | "
            f"{r.data['positions']:,} | {r.data['events']:,} | {r.lake_bytes / 1e9:.2f} | "
            f"{r.export_s:.1f} | {r.reexport_s:.1f} | {_fmt(d.wall_s if d else float('nan'))} | "
            f"{_fmt(s.wall_s if s else float('nan'))} | {_fmt(_ratio(r, lambda e: e.wall_s), 2)} "
            f"| {same} |"
        )
    out += [
        "",
        "Stages (wall seconds, summed over the calls of a read; rows per second per core = "
        f"rows the stage reads x calls / seconds / {cores} cores):",
        "",
        "| scale | stage | reads | DuckDB s | Spark s | Spark / DuckDB | DuckDB rows/s/core "
        "| Spark rows/s/core |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        for name, reads, calls, secs in stage_rows(r):
            rows = r.rows.get(reads, 0) * calls
            d_s, s_s = secs.get("duckdb", float("nan")), secs.get("spark", float("nan"))
            ratio = s_s / d_s if d_s == d_s and s_s == s_s and d_s > 0 else float("nan")
            out.append(
                f"| {r.factor:g}x | {name} | {reads or '-'} | {_fmt(d_s, 2)} | {_fmt(s_s, 2)} "
                f"| {_fmt(ratio, 2)} | {_fmt(per_core(rows, d_s, cores), 0) if rows else '-'} "
                f"| {_fmt(per_core(rows, s_s, cores), 0) if rows else '-'} |"
            )
        for engine, e in r.engines.items():
            rest = e.analysis_s - sum(s.seconds for s in e.stages)
            rate = _fmt(per_core(r.rows["positions"], e.analysis_s, cores), 0)
            cells = [f"{e.analysis_s:.2f}", "-", "-", rate, "-"]
            if engine != "duckdb":
                cells = ["-", f"{e.analysis_s:.2f}", "-", "-", rate]
            out.append(
                f"| {r.factor:g}x | {engine}: whole analysis (rest: {rest:.1f} s) | positions | "
                + " | ".join(cells)
                + " |"
            )
    out += [
        "",
        "Derived for docs/scale.md (1 Hz fixes, 11 h a day; the Spark and DuckDB costs are "
        "the core-seconds per position of the largest scale's analysis, Spark's session "
        "start left out; ingest and matching rates from the sections above):",
        "",
        *plan_rows(runs),
        "",
    ]
    return "\n".join(out)


def _diff(a: list[str], b: list[str]) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"no: first difference at rank {n + 1} ({len(a)} vs {len(b)} cells)"


def write_scale_doc(lines: list[str], command: str) -> None:
    """Replace the derived table between the markers of docs/scale.md."""
    text = SCALE_DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{SCALE_DOC} has no {BEGIN} ... {END} block; put them back")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    block = "\n".join([BEGIN, f"Written by `{command}`, {machine()}.", "", *lines, END])
    SCALE_DOC.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    if len(sys.argv) == 8 and sys.argv[1] == "--worker":
        engine, store, out, report, lake, master = sys.argv[2:]
        engine_worker(engine, Path(store), Path(out), Path(report), lake, master)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,2,4", help="scale factors of 875 taxis")
    parser.add_argument("--days", type=int, default=7, help="days of data at every scale")
    parser.add_argument("--master", default="local[2]", help="Spark master")
    parser.add_argument("--engines", default="duckdb,spark", help="which engines to run")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "spark-scale")
    parser.add_argument("--keep", action="store_true", help="keep each scale's store and lake")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    try:
        scales = [float(s) for s in args.scales.split(",")]
    except ValueError:
        sys.exit(f"--scales {args.scales!r}: give factors such as 1,2,4")
    engines = [e for e in args.engines.split(",") if e]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not scales or min(scales) <= 0:
        sys.exit(f"--engines takes {', '.join(ENGINES)}; --scales positive factors")
    runs = []
    for factor in scales:
        runs.append(run_scale(args.work, factor, args.days, args.master, engines))
        if not args.keep:
            shutil.rmtree(args.work / f"x{factor:g}", ignore_errors=True)
    command = "nice .venv/bin/python bench/spark_scale.py --write" + "".join(
        f" --{k} {v}"
        for k, v in (("scales", args.scales), ("days", args.days), ("master", args.master))
        if v != parser.get_default(k)
    )
    text = section(runs, command, args.days, args.master)
    print(text)
    (args.work / "last.json").parent.mkdir(parents=True, exist_ok=True)
    (args.work / "last.json").write_text(json.dumps([asdict(r) for r in runs], default=str))
    if args.write:
        write_section(text)
        write_scale_doc(plan_rows(runs), command)


if __name__ == "__main__":
    main()
