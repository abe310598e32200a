"""The Parquet lake: the store's raw records as GeoParquet files partitioned by UTC day.

``roadsense lake export --to PATH`` writes positions, events, sign sightings and lane
samples (:data:`~roadsense.store.RAW_TABLES`), and the map matches of positions and
events, under ``PATH/<table>/day=YYYY-MM-DD/`` (:data:`~roadsense.store.LAKE_TABLES`),
for engines that scan raw rows on many machines (Apache Spark). The lake holds raw
trajectories: it is inside the store's trust boundary (see docs/privacy.md).

May import: :mod:`roadsense.schema` and :mod:`roadsense.store` (and pyarrow).
"""

from __future__ import annotations

from roadsense.lake.errors import LakeError
from roadsense.lake.export import ExportResult, export_lake
from roadsense.lake.manifest import MANIFEST_NAME, Manifest

__all__ = ["MANIFEST_NAME", "ExportResult", "LakeError", "Manifest", "export_lake"]
