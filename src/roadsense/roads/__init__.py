"""The road network: OSM import, road segments, map matching, exposure."""
