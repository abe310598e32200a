"""``roadsense analyze --engine spark``: a Spark session over the lake as an analysis source.

:func:`spark_source` starts the session (after the Java and master checks of
:mod:`roadsense.spark.session`), opens the lake's tables, reports Spark's progress while
the analysis runs, and stops everything on the way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from roadsense.progress import Progress
from roadsense.spark.errors import SparkEngineError
from roadsense.spark.lake_reads import lake_tables, open_lake
from roadsense.spark.progress import stage_progress
from roadsense.spark.session import SparkOptions, spark_session
from roadsense.spark.source import SparkSource


def require_pyspark() -> None:
    """An error line naming the extra when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ModuleNotFoundError as exc:
        raise SparkEngineError(
            "--engine spark needs Apache Spark's Python package: pip install 'roadsense[spark]'"
        ) from exc


@contextmanager
def spark_source(
    lake: str, options: SparkOptions, progress: Progress | None = None
) -> Iterator[SparkSource]:
    """The lake at ``lake`` as a :class:`SparkSource` on the session ``options`` say."""
    _, manifest = open_lake(lake)  # no lake: an error line before a JVM starts
    if "fleet_memberships" not in manifest.whole:  # the dashboard's rows need them
        raise SparkEngineError(
            f"the lake at {lake} holds no fleet memberships (exported by an older "
            f"roadsense): run `roadsense lake export --to {lake}` again"
        )
    require_pyspark()
    with spark_session(options) as spark, stage_progress(spark, progress):
        source = SparkSource(lake_tables(spark, lake))
        try:
            yield source
        finally:
            source.close()
