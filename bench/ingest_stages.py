"""What each stage of an upload costs: CPU per batch of the Daegu fleet's uploads.

    python bench/ingest_stages.py                 # DuckDB and PostgreSQL, prints a table
    python bench/ingest_stages.py --write         # ... and writes it to docs/benchmarks.md

The batch is the fleet scenario's (``bench/ingest_load.py --scenario fleet``): 10
positions, and an HMW event in every fifth batch. Each stage is timed on its own with the
product's own functions, in one process, as CPU seconds per batch:

- parse + validate: :func:`roadsense.schema.upload_json.parse_batch` (one compiled pass,
  the repeated-key check included), beside the JSON decode alone (``json.loads``) and the
  two-pass strict read it replaced (``loads_strict`` then ``Batch.model_validate``);
- checks: the server's clock window and what the store cannot hold;
- cells: the fine H3 cell of every position and event;
- queue: handing a batch to the store's writer thread and getting its future back
  (a writer whose commit does nothing);
- commit: the store's write path for a group of ``--group`` batches (dedup, event claims,
  rows, H3 cells, insert, COMMIT), as the writer thread runs it;
- HTTP: a request through uvicorn to an ASGI app that reads the body and answers, under
  the fleet's load (the load generator in its own process), i.e. the server's floor.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import uvicorn

import ingest_load as il
import ingest_loadgen as lg
from benchmarks_doc import machine, write_section
from roadsense.cli.server_process import free_port
from roadsense.schema import AdasEvent, Batch, Position
from roadsense.schema.upload_json import loads_strict, parse_batch
from roadsense.server.ingest import clock_window_problems
from roadsense.server.settings import Settings
from roadsense.store import IngestResult, open_store
from roadsense.store.h3cells import fine_cell
from roadsense.store.pg_local import LocalPostgres
from roadsense.store.rows import storage_problems
from roadsense.store.writer import GroupWriter

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Ingest: what each stage costs (`bench/ingest_stages.py`)"


def per_batch_us(work: Callable[[], Any], batches: int, repeat: int = 3) -> float:
    """The least CPU microseconds per batch over ``repeat`` runs of ``work``."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        work()
        best = min(best, (time.process_time() - t) / batches * 1e6)
    return best


def bodies(n: int) -> list[bytes]:
    return [
        lg.batch_body(lg.Device(f"gw-{i:05d}", f"taxi-{i:05d}", "t"), 10, 5)[1] for i in range(n)
    ]


def commit_us(location: str, parsed: list[Batch], group: int) -> float:
    """CPU per batch of the store's write path, ``group`` batches committed at a time (the
    writer thread's commit called directly, so that the group size is the one asked for;
    DuckDB's own threads are counted, PostgreSQL's server is not)."""
    with open_store(location) as store:
        commit = store._commit  # type: ignore[attr-defined]  # the writer thread's call
        commit(parsed[:1])  # warm: imports, prepared statements
        t = time.process_time()
        for start in range(1, len(parsed), group):
            commit(parsed[start : start + group])
        return (time.process_time() - t) / (len(parsed) - 1) * 1e6


def queue_us(parsed: list[Batch]) -> float:
    def nothing(group: list[Batch]) -> list[IngestResult]:
        return [IngestResult(b.batch_id, "stored") for b in group]

    writer = GroupWriter("bench-writer", nothing, capacity=len(parsed) + 1, max_group=512)
    try:
        return per_batch_us(lambda: [writer.submit(b).result() for b in parsed], len(parsed))
    finally:
        writer.close()


async def _bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    body = b'{"batch_id":"x","status":"stored","counts":{"position":10}}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def http_us(seconds: float) -> float:
    """CPU per request of uvicorn itself (its own process) under the fleet's load."""
    port = free_port()
    config = uvicorn.Config(
        _bare_app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        backlog=4096,
        loop="uvloop",
        http="httptools",
    )
    server = uvicorn.Server(config)
    devices = [lg.Device(f"gw-{i:05d}", f"taxi-{i:05d}", "t") for i in range(16_000)]
    out: dict[str, float] = {}

    def drive() -> None:
        while not server.started:
            time.sleep(0.05)
        parent, child = mp.Pipe()
        args = {
            "scenario": "fleet",
            "port": port,
            "duration": seconds,
            "positions": 10,
            "connections": 512,
        }
        gen = mp.get_context("fork").Process(target=il._loadgen, args=(args, devices, child))
        t = time.process_time()
        gen.start()
        res: lg.Result = parent.recv()
        gen.join()
        out["us"] = (time.process_time() - t) / max(1, sum(res.statuses.values())) * 1e6
        server.should_exit = True

    threading.Thread(target=drive, daemon=True).start()
    server.run()
    return out["us"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", type=int, default=4_000)
    p.add_argument(
        "--group",
        type=int,
        default=160,
        help="batches per commit (the fleet's, 0.1 s of 1,600 uploads a second)",
    )
    p.add_argument("--http-seconds", type=float, default=15.0)
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--write", action="store_true", help=f"write the table to {DOC}")
    args = p.parse_args()

    raw = bodies(args.batches)
    parsed = [parse_batch(b) for b in raw]
    settings = Settings()
    now = parsed[0].items[0].time
    points: list[tuple[float, float]] = []
    for b in parsed:
        for i in b.items:
            if isinstance(i, Position | AdasEvent) and i.lat is not None and i.lon is not None:
                points.append((i.lat, i.lon))
    rows: list[tuple[str, str, float]] = []

    def stage(name: str, how: str, us: float) -> None:
        rows.append((name, how, us))
        print(f"{name:34s} {us:8.1f} us/batch", flush=True)

    stage(
        "parse: JSON decode alone",
        "`json.loads` (reference, not used)",
        per_batch_us(lambda: [json.loads(b) for b in raw], len(raw)),
    )
    stage(
        "parse + validate, before",
        "`loads_strict` + `Batch.model_validate` (two passes)",
        per_batch_us(lambda: [Batch.model_validate(loads_strict(b)) for b in raw], len(raw)),
    )
    stage(
        "**parse + validate**",
        "`parse_batch`: `Batch.model_validate_json` + key count",
        per_batch_us(lambda: [parse_batch(b) for b in raw], len(raw)),
    )
    stage(
        "checks",
        "clock window + what the store cannot hold",
        per_batch_us(
            lambda: [
                (clock_window_problems(b, settings, now), storage_problems(b, r))
                for b, r in zip(parsed, raw, strict=True)
            ],
            len(raw),
        ),
    )
    stage(
        "cells",
        "fine H3 cell of every position and event",
        per_batch_us(lambda: [fine_cell(la, lo) for la, lo in points], len(raw)),
    )
    stage(
        "queue",
        "`GroupWriter.submit` + the future's result (commit does nothing)",
        queue_us(parsed),
    )
    with tempfile.TemporaryDirectory() as work:
        stage(
            f"commit, DuckDB ({args.group} per commit)",
            "dedup, claims, rows, cells, Arrow insert, COMMIT",
            commit_us(str(Path(work) / "s.duckdb"), parsed, args.group),
        )
    if not args.no_postgres:
        pg = LocalPostgres().start()
        try:
            stage(
                f"commit, PostgreSQL ({args.group} per commit)",
                "dedup, claims, rows, cells, COPY, COMMIT (the server's CPU not counted)",
                commit_us(pg.url, parsed, args.group),
            )
        finally:
            pg.remove()
    stage(
        "HTTP floor",
        "uvicorn + httptools to an app that only answers, fleet load",
        http_us(args.http_seconds),
    )

    if args.write:
        write_doc(rows)


def write_doc(rows: list[tuple[str, str, float]]) -> None:
    lines = [
        SECTION,
        "",
        f"Command: `.venv/bin/python bench/ingest_stages.py --write` ({machine()}; the other "
        "engineers' work paused while it ran). CPU microseconds per batch of the fleet "
        "scenario (10 positions, an event in every fifth batch), the best of 3 runs:",
        "",
        "| stage | what runs | CPU µs per batch |",
        "|---|---|---|",
        *[f"| {name} | {how} | {us:,.0f} |" for name, how, us in rows],
        "",
    ]
    write_section("\n".join(lines))


if __name__ == "__main__":
    main()
