"""The records every part of roadsense shares (see DESIGN.md, "Records")."""

from roadsense.schema.records import (
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
