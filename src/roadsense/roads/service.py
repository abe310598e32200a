"""One entry point for a city's roads: the network and its Valhalla tiles, cached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from roadsense.progress import Progress
from roadsense.roads.extracts import RoadsFileError
from roadsense.roads.matcher import MapMatcher, MatchOptions
from roadsense.roads.network import RoadNetwork
from roadsense.roads.network_cache import cached_network
from roadsense.roads.tiles import build_tiles, cache_root, file_digest


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
    """Read the network of ``pbf`` and build its Valhalla tiles, or reuse both from the
    cache (keyed by the file's content)."""
    pbf = Path(pbf)
    if not pbf.is_file():
        raise RoadsFileError(f"OSM file not found: {pbf}")
    digest = file_digest(pbf)
    network = cached_network(pbf, digest, cache_root(), country, progress)
    if progress is not None:
        progress("tiles", 0, 1)
    tiles = build_tiles(pbf, digest=digest)
    if progress is not None:
        progress("tiles", 1, 1)
    return CityRoads(network, tiles)
