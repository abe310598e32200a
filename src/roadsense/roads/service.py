"""One entry point for a city's roads: the network and its Valhalla tiles, cached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from roadsense.roads.matcher import MapMatcher, MatchOptions
from roadsense.roads.network import Progress, RoadNetwork, read_network
from roadsense.roads.tiles import build_tiles


@dataclass(frozen=True)
class CityRoads:
    """A network and the Valhalla config of tiles built from the same OSM file."""

    network: RoadNetwork
    tiles_config: Path

    def matcher(self, options: MatchOptions | None = None) -> MapMatcher:
        """A map matcher on these roads."""
        return MapMatcher(self.network, self.tiles_config, options)


def load_roads(
    pbf: Path, country: str | None = None, progress: Progress | None = None
) -> CityRoads:
    """Read the network of ``pbf`` and build (or reuse) its Valhalla tiles."""
    network = read_network(Path(pbf), country, progress)
    if progress is not None:
        progress("tiles", 0, 1)
    tiles = build_tiles(Path(pbf))
    if progress is not None:
        progress("tiles", 1, 1)
    return CityRoads(network, tiles)
