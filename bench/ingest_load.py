"""Ingest benchmarks: the whole Daegu taxi fleet, maximum throughput, and overload.

    python bench/ingest_load.py --backend duckdb --scenario fleet
    python bench/ingest_load.py --backend postgresql --workers 2 --scenario fleet
    python bench/ingest_load.py --backend duckdb --scenario max
    python bench/ingest_load.py --backend duckdb --scenario overload

The server (``roadsense serve``) and the load generator (bench/ingest_loadgen.py, in its
own process) run on this machine over loopback; PostgreSQL is a throwaway local cluster
with fsync on. After the load the server is stopped and the store is checked: every
acknowledged batch is there, once. The database's own bulk-insert rate is then measured
on the same store, as the limit the API is compared with.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest_loadgen as lg
from roadsense.accounts import hash_token
from roadsense.cli.server_process import free_port
from roadsense.schema import Batch
from roadsense.store import DeviceToAdd, Store, open_store
from roadsense.store.pg_local import LocalPostgres

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def tree(root: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def provision(store: Store, n: int) -> list[lg.Device]:
    """``n`` gateways in one transaction, as ``roadsense devices provision-bulk`` does."""
    devices = [
        lg.Device(f"gw-{i:05d}", f"taxi-{i:05d}", f"bench-token-{i:06d}-{os.urandom(8).hex()}")
        for i in range(n)
    ]
    store.add_devices(
        [DeviceToAdd(d.device_id, d.vehicle_id, hash_token(d.token)) for d in devices]
    )
    return devices


def _loadgen(args: dict[str, Any], devices: list[lg.Device], conn: Any) -> None:
    scenario = args["scenario"]
    if scenario in ("fleet", "overload"):
        res = lg.run(
            lg.open_loop(
                args["port"],
                devices,
                10.0,
                args["duration"],
                args["positions"],
                5,
                args["connections"],
            )
        )
    else:
        res = lg.run(
            lg.closed_loop(
                args["port"], devices, args["duration"], args["positions"], args["connections"]
            )
        )
    conn.send(res)
    conn.close()


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "max": round(max(values), 1),
    }


def db_rate(location: str, seconds: float = 10.0) -> dict[str, float]:
    """Records/s into the store without HTTP: store.submit of 500-record batches (group
    commit, the path the API uses) and the database's raw bulk insert of the same rows."""
    from roadsense.store.rows import flatten

    devices = [lg.Device(f"gw-r{i}", f"taxi-r{i}", "") for i in range(64)]
    batches = [
        Batch.model_validate_json(lg.batch_body(devices[i % 64], 500, 0)[1]) for i in range(200)
    ]
    out: dict[str, float] = {}
    with open_store(location, queue_capacity=100_000) as store:
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            futures = [store.submit(b) for b in batches[:64]]
            for f in futures:
                f.result()
            n += 64 * 500
            batches = batches[64:] + [
                Batch.model_validate_json(lg.batch_body(devices[i % 64], 500, 0)[1])
                for i in range(64)
            ]
        out["store_submit_records_per_s"] = n / (time.perf_counter() - start)
    rows = flatten(batches[:100]).positions  # 50,000 rows, h3 cells already computed
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(location) as conn:
            start = time.perf_counter()
            n = 0
            while time.perf_counter() - start < seconds:
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "COPY positions (vehicle_id, ts, lat, lon, speed_mps, heading_deg, hdop, "
                        "h3_cell, batch_id) FROM STDIN"
                    ) as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
                conn.commit()
                n += len(rows)
            out["raw_insert_records_per_s"] = n / (time.perf_counter() - start)
    else:
        import duckdb
        import pyarrow as pa

        from roadsense.store.duckdb_store import _POSITION_TYPES
        from roadsense.store.rows import POSITION_COLUMNS

        cols = {
            c: pa.array([str(v) if c == "batch_id" else v for v in vals], type=_POSITION_TYPES[c])
            for c, vals in zip(POSITION_COLUMNS, zip(*rows, strict=True), strict=True)
        }
        table = pa.table(cols)
        con = duckdb.connect(location)
        con.register("incoming", table)
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            con.execute(
                "INSERT INTO positions SELECT vehicle_id, ts, lat, lon, speed_mps, "
                "heading_deg, hdop, h3_cell, batch_id::UUID FROM incoming"
            )
            n += len(rows)
        out["raw_insert_records_per_s"] = n / (time.perf_counter() - start)
        con.close()
    return {k: round(v) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["duckdb", "postgresql"], default="duckdb")
    p.add_argument("--scenario", choices=["fleet", "max", "overload"], default="fleet")
    p.add_argument("--vehicles", type=int, default=None)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--connections", type=int, default=None)
    p.add_argument("--access-log", action="store_true", help="log every request (JSON)")
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="sample the server with py-spy while the load runs and write its collapsed "
        "stacks here (pip install py-spy; may need ptrace rights)",
    )
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that cleanup runs
    vehicles = args.vehicles or {"fleet": 16_000, "overload": 32_000, "max": 256}[args.scenario]
    positions = 500 if args.scenario == "max" else 10
    connections = args.connections or (32 if args.scenario == "max" else 512)

    work = Path(tempfile.mkdtemp(prefix="roadsense-bench-"))
    pg = None
    server: subprocess.Popen[bytes] | None = None
    if args.backend == "postgresql":
        pg = LocalPostgres().start()  # its own folder, reachable by the postgres user
        location = pg.url
    else:
        location = str(work / "bench.duckdb")
    try:
        t = time.perf_counter()
        with open_store(location) as store:
            devices = provision(store, vehicles)
        print(f"provisioned {vehicles} devices in {time.perf_counter() - t:.1f} s", flush=True)

        port = free_port()
        env = dict(
            os.environ,
            ROADSENSE_ACCESS_LOG=str(args.access_log).lower(),
            ROADSENSE_CREDENTIAL_CACHE_S="60",
        )
        cmd = [
            sys.executable,
            "-m",
            "roadsense",
            "serve",
            "--store",
            location,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        log = (work / "server.log").open("wb")
        server = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(1.0 * args.workers)
        server_pids = tree(server.pid)
        pg_pids = tree(int((pg.data / "postmaster.pid").read_text().split()[0])) if pg else []
        cpu0 = (cpu_seconds(server_pids), cpu_seconds(pg_pids))

        parent, child = mp.Pipe()
        gen_args = {
            "scenario": args.scenario,
            "port": port,
            "duration": args.duration,
            "positions": positions,
            "connections": connections,
        }
        proc = mp.get_context("fork").Process(target=_loadgen, args=(gen_args, devices, child))
        spy = None
        if args.profile is not None:
            spy = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(server.pid),
                    "--subprocesses",
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--duration",
                    str(int(args.duration)),
                    "--output",
                    str(args.profile),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
            )
        wall0 = time.perf_counter()
        proc.start()
        gen_pid = proc.pid or 0
        res: lg.Result = parent.recv()
        wall = time.perf_counter() - wall0
        gen_cpu = cpu_seconds([gen_pid])
        proc.join()
        if spy is not None:
            spy.wait(60)
        server_pids = tree(server.pid)
        pg_pids = tree(int((pg.data / "postmaster.pid").read_text().split()[0])) if pg else []
        cpu1 = (cpu_seconds(server_pids), cpu_seconds(pg_pids))

        caught_up: dict[str, Any] = {}
        if res.refused:
            t = time.perf_counter()
            again = lg.run(lg.resend(port, res.refused, 64))
            caught_up = {
                "resent": len(res.refused),
                "acked": len(again.acked),
                "seconds": round(time.perf_counter() - t, 1),
            }
            res.acked.extend(again.acked)
        alive = httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        server.terminate()
        server.wait(30)
        log.close()

        with open_store(location) as store:
            totals = store.totals()
        answered = sum(res.statuses.values())
        report = {
            "backend": args.backend,
            "workers": args.workers,
            "scenario": args.scenario,
            "vehicles": vehicles,
            "connections": connections,
            "settings": {
                "queue_capacity": 1024,
                "max_inflight_uploads": 1024,
                "access_log": args.access_log,
            },
            "duration_s": round(wall, 1),
            "requests_sent": res.sent,
            "answered_per_s": round(answered / wall),
            "ok_per_s": round(res.statuses.get(200, 0) / wall),
            "records_per_s": round(res.records / wall),
            "statuses": res.statuses,
            "errors": res.errors,
            "latency_ms": percentiles(res.latencies_ms),
            "max_send_lag_ms": round(res.max_lag_ms, 1),
            "cpu_percent": {
                "server": round(100 * (cpu1[0] - cpu0[0]) / wall),
                "postgres": round(100 * (cpu1[1] - cpu0[1]) / wall) if pg else None,
                "load_generator": round(100 * gen_cpu / wall),
            },
            "server_stayed_up": alive,
            "caught_up": caught_up,
            "stored_batches": totals.batches,
            "acked_batches": len(set(res.acked)),
            "nothing_lost": totals.batches == len(set(res.acked))
            and totals.positions == positions * len(set(res.acked)),
        }
        report["db_bulk_insert"] = db_rate(location)
        print(json.dumps(report, indent=1))
    finally:
        if server is not None and server.poll() is None:
            server.kill()
        if pg is not None:
            pg.remove()


if __name__ == "__main__":
    main()
