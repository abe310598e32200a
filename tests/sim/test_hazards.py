"""Where hazards are planted: busy stretches, not a queue between two traffic lights."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from roadsense.sim.hazards import choose_hazards
from roadsense.sim.network import SumoEdge, SumoNetwork


def _edge(edge_id: str, x: float, between_signals: bool) -> SumoEdge:
    return SumoEdge(
        edge_id=edge_id,
        length_m=100.0,
        speed_limit_mps=40 / 3.6,
        lanes=1,
        osm_way_ids=(1,),
        shape_lonlat=((24.9, 60.17), (24.901, 60.17)),
        centre_xy=(x, 0.0),
        between_signals=between_signals,
    )


def _network(signals: dict[str, bool]) -> SumoNetwork:
    edges = {e: _edge(e, 1000.0 * i, s) for i, (e, s) in enumerate(signals.items())}
    return SumoNetwork(net_file=Path("x.net.xml"), edges=edges, bounds_lonlat=(0, 0, 1, 1))


def _route_through(busiest: list[str]) -> Callable[[str, str], list[str]]:
    """Every route uses the ``busiest`` edges, and only them."""

    def route(a: str, b: str) -> list[str]:
        return list(busiest)

    return route


def test_a_link_between_two_lights_is_passed_over_for_a_flowing_stretch() -> None:
    signals = {"0-queue": True, "open-1": False, "open-2": False, "a": False, "b": False}
    for extra in range(3, 10):
        signals[f"side-{extra}"] = False
    net = _network(signals)
    chosen = choose_hazards(net, 1, random.Random(1), _route_through(["0-queue", "open-1"]))
    # as busy as "open-1", and first by name, but a queue
    assert [s.main_edge for s in chosen] == ["open-1"]


def test_a_link_between_two_lights_is_taken_when_nothing_else_fits() -> None:
    net = _network({"queue": True, "other": True})
    chosen = choose_hazards(net, 1, random.Random(1), _route_through(["queue"]))
    assert [s.main_edge for s in chosen] == ["queue"]
