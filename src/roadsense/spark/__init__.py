"""The analytics on Apache Spark over the Parquet lake (``roadsense analyze --engine spark``).

Spark scans the lake's raw rows (:mod:`roadsense.lake`'s layout and manifest) and gives
the aggregated rows of :class:`~roadsense.analytics.analysis_source.AnalysisSource`:
exposure per H3 cell by the store's exposure rule, events per cell and type, both per
local period, and each vehicle's kilometres and warnings per UTC hour. The model fits run
on those rows with the same analytics code as the embedded engine. ``roadsense lake
match`` (:mod:`roadsense.spark.matching`) map-matches the lake's positions on the executors
with the roads' own matcher.

May import: :mod:`roadsense.schema`, :mod:`roadsense.lake`, :mod:`roadsense.analytics`,
:mod:`roadsense.roads` (the map matcher, Valhalla's tiles), the store's row types and
exposure constants (never its SQL), and pyspark. pyspark is imported here only; the rest of
roadsense runs without it.
"""
