"""Write GeoJSON FeatureCollections as GeoJSON or GeoParquet files.

GeoParquet: one row per feature, its properties as columns and the geometry as WKB in
a ``geometry`` column, with the ``geo`` metadata of GeoParquet 1.0 (CRS84).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("geojson", "geoparquet")


def write_geojson(collection: dict[str, Any], path: Path) -> None:
    """A FeatureCollection as a GeoJSON file."""
    Path(path).write_text(json.dumps(collection, default=str) + "\n", encoding="utf-8")


def write_geoparquet(collection: dict[str, Any], path: Path) -> None:
    """A FeatureCollection as a GeoParquet 1.0 file (WKB geometry, CRS84)."""
    from shapely.geometry import shape  # here: `roadsense roads match` needs no shapely

    features = collection.get("features", [])
    names: list[str] = []
    for feature in features:
        for key in feature.get("properties", {}):
            if key not in names and key != "geometry":
                names.append(key)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    wkb: list[bytes | None] = []
    kinds: set[str] = set()
    for feature in features:
        props = feature.get("properties", {})
        for name in names:
            value = props.get(name)
            columns[name].append(value if not isinstance(value, dict | list) else json.dumps(value))
        geometry = feature.get("geometry")
        if geometry is None:
            wkb.append(None)
        else:
            kinds.add(str(geometry["type"]))
            wkb.append(shape(geometry).wkb)
    arrays = {name: pa.array(values) for name, values in columns.items()}
    arrays["geometry"] = pa.array(wkb, type=pa.binary())
    table = pa.table(arrays)
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": sorted(kinds)}},
    }
    table = table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    pq.write_table(table, path)


def write_collection(collection: dict[str, Any], path: Path, fmt: str) -> None:
    """Write in ``fmt`` (``geojson`` or ``geoparquet``)."""
    if fmt == "geojson":
        write_geojson(collection, path)
    elif fmt == "geoparquet":
        write_geoparquet(collection, path)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
