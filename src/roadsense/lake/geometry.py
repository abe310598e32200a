"""GeoParquet for points: a WKB ``geometry`` column from lat/lon and its ``geo`` metadata.

GeoParquet 1.1: the geometry is WKB in a binary column; without a ``crs`` the coordinates
are OGC:CRS84 (longitude, latitude, WGS 84), which is what the records carry.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

GEOMETRY = "geometry"
GEOPARQUET_VERSION = "1.1.0"

_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
"""A little-endian 2D WKB point: byte order 1, geometry type 1, x (lon), y (lat)."""


def has_points(schema: pa.Schema) -> bool:
    """Whether the rows of ``schema`` carry a position (``lat`` and ``lon`` columns)."""
    return "lat" in schema.names and "lon" in schema.names


def geo_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with the ``geometry`` column appended and the ``geo`` metadata set."""
    metadata = dict(schema.metadata or {})
    metadata[b"geo"] = json.dumps(
        {
            "version": GEOPARQUET_VERSION,
            "primary_column": GEOMETRY,
            "columns": {GEOMETRY: {"encoding": "WKB", "geometry_types": ["Point"]}},
        }
    ).encode()
    return schema.append(pa.field(GEOMETRY, pa.binary())).with_metadata(metadata)


def with_points(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with its WKB point geometry (null where lat or lon is), as ``schema``."""
    lat, lon = batch.column("lat"), batch.column("lon")
    n = batch.num_rows
    points = np.zeros(n, dtype=_WKB_POINT)
    points["order"] = 1
    points["kind"] = 1
    points["x"] = lon.to_numpy(zero_copy_only=False)
    points["y"] = lat.to_numpy(zero_copy_only=False)
    offsets = np.arange(n + 1, dtype=np.int32) * _WKB_POINT.itemsize
    wkb = pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(points.tobytes())]
    )
    if lat.null_count or lon.null_count:
        valid = pc.and_(pc.is_valid(lat), pc.is_valid(lon))
        wkb = pc.if_else(valid, wkb, pa.scalar(None, pa.binary()))
    return pa.RecordBatch.from_arrays([*batch.columns, wkb], schema=schema)
