"""The records every part of roadsense shares (see DESIGN.md, "Records").

Imports nothing of ours (import-linter contract): the gateway and the city platform
both build on it.
"""

from roadsense.schema.records import (
    SAFETY_TYPES,
    SCHEMA_VERSION,
    AdasEvent,
    AnyRecord,
    Batch,
    DeviceStatus,
    EventSource,
    EventType,
    LaneSample,
    Position,
    Record,
    SignSighting,
)

__all__ = [
    "SAFETY_TYPES",
    "SCHEMA_VERSION",
    "AdasEvent",
    "AnyRecord",
    "Batch",
    "DeviceStatus",
    "EventSource",
    "EventType",
    "LaneSample",
    "Position",
    "Record",
    "SignSighting",
]
