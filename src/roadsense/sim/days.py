"""The simulated days of one run, side by side.

Each day is its own SUMO (libsumo holds one simulation per process), so days run in
worker processes, one per core, and the run's wall time is about the longest day rather
than their sum. A day owns all its randomness (:func:`traffic_rng` and the streams named
in :func:`simulate_day`), so a day's files do not depend on which days ran before it nor
on how many workers there were: one worker and two write the same bytes.

Every day writes its taxis' CAN and IMU logs into a folder of its own
(:func:`day_dir`); :func:`join_day_logs` joins them, in day order, into the run's logs.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.config import SimConfig
from roadsense.sim.crossings import CrossingSite
from roadsense.sim.drivers import Driver
from roadsense.sim.engine import running_sumo
from roadsense.sim.errors import SimError
from roadsense.sim.faults import DeviceFault
from roadsense.sim.hazards import HazardSite
from roadsense.sim.lane_markings import LaneMarkings
from roadsense.sim.network import SumoNetwork
from roadsense.sim.output import VEHICLES_DIR, vehicle_logs
from roadsense.sim.road_assets import RoadAssets
from roadsense.sim.rollout import PLANTED_RATE_RATIOS
from roadsense.sim.traffic import STEP_S, SumoTraffic, TaxiLog, TrafficStats, taxi_id
from roadsense.sim.unit import IMU_HEADER, SimulatedUnit
from roadsense.sim.unit_rules import UnitRules

DAYS_DIR = "days"
"""The days' own folders, under the run's folder, while the run lasts."""

DayProgress = Callable[[int, int, int], None]
"""``progress(day, done, total)``: seconds simulated of the day's ``total``."""


@dataclass(frozen=True)
class DayJob:
    """Everything one simulated day needs: the run's plantings are fixed before any day
    starts, so that every day drives through the same city."""

    config: SimConfig
    day: int
    network: SumoNetwork
    sites: Sequence[HazardSite]
    drivers: dict[str, Driver]
    live: frozenset[str]
    faults: Sequence[DeviceFault]
    assets: RoadAssets
    markings: LaneMarkings
    crossings: Sequence[CrossingSite]
    rules: UnitRules
    ssm_options: Sequence[str]


@dataclass(frozen=True)
class DayOutcome:
    """What one day gave: its taxis' true logs (run times, the day's offset included)
    and its counts."""

    day: int
    logs: dict[str, TaxiLog]
    stats: TrafficStats


def day_dir(out_dir: Path, day: int) -> Path:
    """The folder day ``day`` writes its taxis' CAN and IMU logs into."""
    return Path(out_dir) / DAYS_DIR / f"day-{day:03d}"


def taxi_ids(config: SimConfig) -> list[str]:
    """The run's taxis, in order."""
    return [taxi_id(i) for i in range(config.vehicles)]


def traffic_rng(seed: int, day: int) -> random.Random:
    """Day ``day``'s stream for the traffic (trips, routes, spells): its own, so that a
    day is the same whichever days ran before it."""
    return random.Random(f"traffic/{seed}/{day}")


def default_workers(days: int) -> int:
    """One worker per day, up to the cores this process may use."""
    return max(1, min(days, _usable_cores()))


def simulate_day(job: DayJob, progress: Callable[[int, int], None] | None = None) -> DayOutcome:
    """Drive one day in a SUMO of its own; its taxis' logs go to :func:`day_dir`."""
    config, day = job.config, job.day
    ids = taxi_ids(config)
    folder = day_dir(config.out_dir, day)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / VEHICLES_DIR).mkdir(parents=True)
    offset = day * 86_400
    epoch0 = config.start_time.timestamp() + offset
    encoder = FrameEncoder()

    def make_unit(vehicle_id: str) -> SimulatedUnit:
        paths = vehicle_logs(folder, vehicle_id)
        windows = [
            (f.kind, *w)
            for f in job.faults
            if f.vehicle_id == vehicle_id and (w := f.window(day)) is not None
        ]
        return SimulatedUnit(
            vehicle_id, paths.can, paths.imu, epoch0, encoder, job.rules, faults=windows
        )

    logs = {vid: TaxiLog(vid) for vid in ids}
    seed = config.seed + 1000 * day
    with running_sumo(
        job.network.net_file, seed, config.duration_s, STEP_S, job.ssm_options
    ) as sumo:
        traffic = SumoTraffic(
            sumo,
            job.network,
            job.sites,
            config.vehicles,
            config.background_vehicles,
            traffic_rng(config.seed, day),
            make_unit=make_unit,
            drivers=dict(job.drivers),
            live=job.live,
            live_ratio=dict(PLANTED_RATE_RATIOS),
            warned_gap_elasticity=config.warned_gap_elasticity,
            clock_offset_s=offset,
            logs=logs,
            assets=job.assets,
            asset_rng=random.Random(config.seed * 1_000_003 + day),
            crossings=job.crossings,
            walk_rng=random.Random(config.seed * 1_000_033 + day),
            people_per_hour=config.people_per_hour,
            markings=job.markings,
            lane_rng=random.Random(f"lane-keeping/{config.seed}/{day}"),
            cyclists_per_hour=config.cyclists_per_hour,
            cyclist_rng=random.Random(f"cyclists/{config.seed}/{day}"),
        )
        traffic.start()
        traffic.run(config.duration_s, progress)
    return DayOutcome(day=day, logs=logs, stats=traffic.stats)


def simulate_days(
    jobs: Sequence[DayJob], progress: DayProgress | None = None, workers: int | None = None
) -> list[DayOutcome]:
    """Every day of ``jobs``, in day order: in ``workers`` processes side by side (default
    :func:`default_workers`), or one after another in this process when that is 1.

    The first day that fails, or an interrupt, stops every worker at once (no queued day
    starts) and leaves no day's folder behind. The workers are spawned: a script that
    calls this must guard its own start with ``if __name__ == "__main__":``."""
    if workers is not None and workers < 1:
        raise SimError(f"workers must be at least 1, got {workers}")
    workers = default_workers(len(jobs)) if workers is None else workers
    try:
        if workers == 1 or len(jobs) == 1:
            return [simulate_day(job, _day_progress(progress, job.day)) for job in jobs]
        return _simulate_in_workers(jobs, progress, workers)
    except BaseException:
        if jobs:
            shutil.rmtree(Path(jobs[0].config.out_dir) / DAYS_DIR, ignore_errors=True)
        raise


def _simulate_in_workers(
    jobs: Sequence[DayJob], progress: DayProgress | None, workers: int
) -> list[DayOutcome]:
    # spawn, not fork: a forked child would inherit this process's libsumo state
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ticks: Any = manager.Queue()
        pool = context.Pool(workers, initializer=_leave_interrupts_to_the_parent)
        try:
            pending = [pool.apply_async(_simulate_day_reporting, (job, ticks)) for job in jobs]
            while not all(r.ready() for r in pending):
                time.sleep(0.2)
                _drain(ticks, progress)
                for r in pending:
                    if r.ready() and not r.successful():
                        r.get()  # a day's error, raised here
            _drain(ticks, progress)
            outcomes: list[DayOutcome] = [r.get() for r in pending]
            pool.close()
        except BaseException:
            pool.terminate()  # the days still running, and those not started
            raise
        finally:
            pool.join()
    return sorted(outcomes, key=lambda o: o.day)


def join_day_logs(out_dir: Path, ids: Sequence[str], days: int) -> None:
    """Join every day's CAN and IMU logs into each taxi's run logs, in day order (the
    IMU's header once), and remove the days' folders."""
    for vid in ids:
        target = vehicle_logs(out_dir, vid)
        with target.can.open("wb") as can, target.imu.open("wb") as imu:
            imu.write(IMU_HEADER.encode("ascii"))
            for day in range(days):
                source = vehicle_logs(day_dir(out_dir, day), vid)
                if source.can.exists():
                    with source.can.open("rb") as f:
                        shutil.copyfileobj(f, can)
                if source.imu.exists():
                    with source.imu.open("rb") as f:
                        header = f.readline()
                        if header != IMU_HEADER.encode("ascii"):
                            imu.write(header)  # not a header: a first record
                        shutil.copyfileobj(f, imu)
    shutil.rmtree(Path(out_dir) / DAYS_DIR, ignore_errors=True)


def _day_progress(progress: DayProgress | None, day: int) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def call(done: int, total: int) -> None:
        progress(day, done, total)

    return call


def _simulate_day_reporting(job: DayJob, ticks: Any) -> DayOutcome:
    """:func:`simulate_day` in a worker, its progress sent back through ``ticks``."""

    def call(done: int, total: int) -> None:
        ticks.put((job.day, done, total))

    try:
        return simulate_day(job, call)
    except SimError:
        raise
    except Exception as exc:  # libsumo's errors cannot be pickled back to the parent
        raise SimError(f"simulated day {job.day} failed: {type(exc).__name__}: {exc}") from None


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores Ctrl-C: the parent stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on (containers)
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _drain(ticks: Any, progress: DayProgress | None) -> None:
    while True:
        try:
            day, done, total = ticks.get_nowait()
        except queue.Empty:
            return
        if progress is not None:
            progress(day, done, total)
