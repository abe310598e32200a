"""Safety analytics: the one hotspot ranking, network screening, evaluation, scores.

Hotspots and EB screening of cells, segments and junctions (:mod:`.ranking` is the only
ranking), Gi* clusters, trends, crashes vs near misses, roll-out and before/after
evaluation, driver scores, speeds, road assets and open data, over rows the store reads.
May import ``schema``, ``store``, ``roads`` and ``city`` (import-linter contract).
"""
