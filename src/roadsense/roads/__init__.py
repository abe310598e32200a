"""The road network: OSM import, road segments and junctions, map matching, exposure.

May import ``schema``, ``store`` and ``city`` only (import-linter contract).
"""
