"""The roll-out programme: silent baseline, staggered live waves, a plan the evaluate CLI
reads, and the planted effect written with the ground truth."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from roadsense.analytics.rollout_panel import read_rollout
from roadsense.schema import EventType
from roadsense.sim import SimConfig, SimError, load_ground_truth, run_simulation
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.conflicts import read_truth_conflicts
from roadsense.sim.drivers import MAX_TAU_S, Driver, DriverStyle, warned_style
from roadsense.sim.engine import running_sumo
from roadsense.sim.network import build_network
from roadsense.sim.output import read_truth_events
from roadsense.sim.rollout import PLANTED_RATE_RATIOS, ROLLOUT_PLAN_FILE, plan_rollout, write_plan
from roadsense.sim.traffic import STEP_S, SumoTraffic
from roadsense.sim.unit import SimulatedUnit

IDS = [f"taxi-{i:03d}" for i in range(30)]


def test_one_day_is_all_silent() -> None:
    assert set(plan_rollout(IDS, 1, 2, random.Random(1)).values()) == {None}


def test_waves_are_staggered_with_a_silent_control_group() -> None:
    plan = plan_rollout(IDS, 7, 2, random.Random(1))
    groups = Counter(plan.values())
    assert groups == {None: 10, 1: 10, 4: 10}  # controls; wave 1 from day 1, wave 2 from day 4
    assert plan != plan_rollout(IDS, 7, 2, random.Random(2))  # who goes when is drawn


def test_the_plan_reads_back_as_the_evaluate_cli_reads_it(tmp_path: Path) -> None:
    plan = plan_rollout(IDS, 5, 3, random.Random(3))
    path = tmp_path / ROLLOUT_PLAN_FILE
    write_plan(path, plan, date(2025, 6, 2))
    back = {r.vehicle_id: r for r in read_rollout(path)}
    assert set(back) == set(IDS)
    for vid, day in plan.items():
        assert back[vid].installed == date(2025, 6, 2)
        expected = None if day is None else date(2025, 6, 2) + timedelta(days=day)
        assert back[vid].live_from == expected


@pytest.mark.slow
def test_a_two_day_run_has_a_live_day_and_its_truth(tmp_path: Path) -> None:
    config = SimConfig(
        out_dir=tmp_path, vehicles=6, background_vehicles=30, duration_s=300, days=2, seed=5
    )
    run_simulation(config)
    truth = load_ground_truth(tmp_path)
    assert truth.rollout is not None
    assert truth.rollout.days == 2
    ratios = {r.event_type: r for r in truth.rollout.ratios}
    assert {k: r.planted_rate_ratio for k, r in ratios.items()} == {
        k.value: v for k, v in PLANTED_RATE_RATIOS.items()
    }
    live = {v for v, t in truth.vehicles.items() if t.live_from == "2025-06-03"}
    assert len(live) == 4  # two waves of two, both from day 1; two controls
    assert all(r.live_km > 0 and r.silent_km > 0 for r in ratios.values())
    events = read_truth_events(tmp_path)
    assert all(
        e.live == (e.vehicle_id in live and e.time.date() == date(2025, 6, 3)) for e in events
    )
    days = {e.time.date() for e in events}
    assert days <= {date(2025, 6, 2), date(2025, 6, 3)}
    conflicts = read_truth_conflicts(tmp_path)  # SUMO's SSM conflicts, read after each day
    assert {c.time.date() for c in conflicts} == {date(2025, 6, 2), date(2025, 6, 3)}
    assert all(c.time.date() == date(2025, 6, 2 + c.day) for c in conflicts)
    assert all(c.live == (c.ego in live and c.day == 1) for c in conflicts)
    assert sum(v.km for v in truth.vehicles.values()) == pytest.approx(truth.totals.vehicle_km)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vehicles", -3, "vehicles must be at least 1"),
        ("days", 0, "days must be at least 1"),
        ("rollout_waves", -1, "rollout_waves must be >= 0"),
        ("warned_gap_elasticity", -0.5, "warned_gap_elasticity must be in"),
        ("warned_gap_elasticity", float("nan"), "warned_gap_elasticity must be in"),
    ],
)
def test_bad_options_name_themselves(
    tmp_path: Path, field: str, value: float, message: str
) -> None:
    with pytest.raises(SimError, match=message):
        SimConfig(out_dir=tmp_path, **{field: value})  # type: ignore[arg-type]


def _style(tau_s: float) -> DriverStyle:
    return DriverStyle(
        tau_s=tau_s,
        min_gap_m=2.5,
        imperfection=0.0,
        decel_mps2=2.2,
        apparent_decel_mps2=2.2,
        accel_mps2=1.7,
        speed_factor=1.0,
    )


@pytest.mark.parametrize(
    ("tau_s", "ratio", "warned"),
    [(1.2, 0.75, 1.6), (0.9, 0.5, 1.8), (2.0, 0.75, 2.2), (1.2, 1.0, 1.2), (2.5, 0.75, 2.5)],
)
def test_a_warned_driver_keeps_a_longer_gap(tau_s: float, ratio: float, warned: float) -> None:
    style = warned_style(_style(tau_s), ratio)
    assert style.tau_s == pytest.approx(warned)  # tau / ratio, at most the drawn range's top
    assert tau_s <= style.tau_s <= max(MAX_TAU_S, tau_s)  # never shorter than their own
    assert style == replace(_style(tau_s), tau_s=style.tau_s)  # nothing else changes


def test_without_elasticity_a_warned_driver_keeps_their_gap() -> None:
    assert warned_style(_style(1.2), 0.5, elasticity=0.0) == _style(1.2)


@pytest.mark.parametrize("ratio", [0.0, -0.5, 1.5])
def test_a_warned_drivers_ratio_is_checked(ratio: float) -> None:
    with pytest.raises(ValueError, match="HMW ratio must be in"):
        warned_style(_style(1.2), ratio)


@pytest.mark.slow
def test_sumo_drives_a_live_taxi_with_the_warned_gap(tmp_path: Path) -> None:
    """The live taxi's SUMO time gap is its driver's, lengthened; the silent one's is its own."""
    net = build_network(None, tmp_path / "net", crossings=0)
    drivers = {f"taxi-{i:03d}": Driver(style=_style(1.2), risk=1.0) for i in range(2)}

    def make(vid: str) -> SimulatedUnit:
        return SimulatedUnit(
            vid, tmp_path / f"{vid}.log", tmp_path / f"{vid}.imu.csv", 0.0, FrameEncoder()
        )

    with running_sumo(net.net_file, 3, 30, STEP_S) as sumo:
        traffic = SumoTraffic(
            sumo,
            net,
            [],
            2,
            0,
            random.Random(5),
            make_unit=make,
            drivers=drivers,
            live=frozenset({"taxi-000"}),
            live_ratio=dict(PLANTED_RATE_RATIOS),
        )
        traffic.start()
        taus = {vid: sumo.vehicle.getTau(vid) for vid in drivers}
        traffic.run(1)  # closes the units' logs
    hmw = PLANTED_RATE_RATIOS[EventType.HMW]
    assert taus["taxi-000"] == pytest.approx(warned_style(_style(1.2), hmw).tau_s)
    assert taus["taxi-000"] > 1.2
    assert taus["taxi-001"] == pytest.approx(1.2)
