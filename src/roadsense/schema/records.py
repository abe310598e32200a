"""Records shared by the vehicle, the server and the analytics.

Units are in the field names (``_mps`` metres per second, ``_kmh`` km/h, ``_s`` seconds,
``_m`` metres, ``_deg`` degrees). Times are timezone-aware UTC. The upload schema only
grows: a field, once shipped, never changes meaning.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    Strict,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import core_schema

SCHEMA_VERSION = 1
"""Version of the upload schema written into every :class:`Batch`."""

MAX_BATCH_ITEMS = 5000
"""The most records one batch may carry."""


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time is out of range once converted to UTC") from None


def _utc_time_schema(_source: Any, _handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    # A time in UTC (what every gateway sends) is validated in pydantic-core alone; only a
    # time with another offset is converted, in Python. Upload validation then calls no
    # Python per item, which matters at a fleet's 16,000 records a second.
    return core_schema.union_schema(
        [
            core_schema.datetime_schema(tz_constraint=0),
            core_schema.no_info_after_validator_function(
                _utc, core_schema.datetime_schema(tz_constraint="aware")
            ),
        ],
        mode="left_to_right",
        custom_error_type="utc_time",
        custom_error_message="time must be a date and time with a timezone (UTC expected), "
        "within the years 1 to 9999 once in UTC",
    )


def _bounded(low: float, high: float) -> Any:
    return Field(ge=low, le=high, allow_inf_nan=False)


# Every number is strict (a bool or a string is refused, not turned into a number) and
# finite; a number with a physical meaning has the bounds of what is physically possible
# (or what the sensor can report), so neither the gateway nor the server can make or take
# an impossible record. The bounds are listed in docs/usage.md ("What an upload must be").
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]

MAX_SPEED_MPS = 100.0
"""360 km/h: faster than any road vehicle the platform sees."""
MAX_HDOP = 100.0
"""Receivers report HDOP up to 99.99."""
MAX_EPISODE_S = 86_400.0
"""A warning episode (or a failsafe/tamper state) lasts a day at most."""
MAX_TTC_S = 100.0
"""Time to collision and headway as the ADAS unit reports them (it caps at 99 and 9.9 s)."""
MAX_LATERAL_M = 128.0
"""The lane model's C0 (distance to the marking) as the unit can encode it."""
MAX_SIGN_VALUE = 1000.0
"""A sign's value (a speed in km/h, a weight in tonnes, a height in metres)."""
MAX_UPTIME_S = 20 * 365.25 * 86_400.0
"""Twenty years of uptime."""

UtcTime = Annotated[
    datetime,
    GetPydanticSchema(_utc_time_schema),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A timezone-aware time, converted to UTC."""
Latitude = Annotated[float, Strict(), _bounded(-90.0, 90.0)]
Longitude = Annotated[float, Strict(), _bounded(-180.0, 180.0)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Speed = Annotated[float, Strict(), _bounded(0.0, MAX_SPEED_MPS)]
Seconds = Annotated[float, Strict(), _bounded(0.0, MAX_TTC_S)]
Lateral = Annotated[float, Strict(), _bounded(-MAX_LATERAL_M, MAX_LATERAL_M)]
Level = Annotated[int, Strict(), Field(ge=0, le=3)]


class EventType(StrEnum):
    """What an ADAS unit, the engine or the IMU warned about."""

    FCW = "FCW"
    """Forward collision warning."""
    UFCW = "UFCW"
    """Urban (low-speed) forward collision warning."""
    PCW = "PCW"
    """Pedestrian or cyclist collision warning."""
    PED_IN_DZ = "PED_IN_DZ"
    """Pedestrian in the danger zone in front of the vehicle."""
    HMW = "HMW"
    """Headway monitoring warning: following too close."""
    LDW_LEFT = "LDW_LEFT"
    LDW_RIGHT = "LDW_RIGHT"
    SPEEDING = "SPEEDING"
    HARSH_BRAKE = "HARSH_BRAKE"
    HARSH_ACCEL = "HARSH_ACCEL"
    HARSH_TURN = "HARSH_TURN"
    POTHOLE = "POTHOLE"
    TAMPER = "TAMPER"
    FAILSAFE = "FAILSAFE"


NOT_SAFETY = frozenset({EventType.POTHOLE, EventType.TAMPER, EventType.FAILSAFE})
"""The road's and the devices' events: not a warning about how anyone drove."""
SAFETY_TYPES: tuple[str, ...] = tuple(t.value for t in EventType if t not in NOT_SAFETY)
"""What a safety screening of "every type" counts (the hotspot ranking of cells, segments
and junctions, the dashboard's ranking): a pothole's strikes or a unit's failsafe are not
near misses, and would rank their places above the dangerous ones."""


class EventSource(StrEnum):
    """Where an event came from."""

    MOBILEYE = "mobileye"
    ENGINE = "engine"
    IMU = "imu"
    SIM = "sim"


def _kind_required(schema: dict[str, Any]) -> None:
    """An uploaded item must name its ``kind`` (the items are told apart by it), though a
    record made in Python gets it by default: the published JSON schema says it is required."""
    if "kind" not in schema.get("properties", {}):
        return
    required = schema.setdefault("required", [])
    if "kind" not in required:
        required.insert(0, "kind")


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, json_schema_extra=_kind_required
    )


class Position(_Record):
    """One GPS fix of one vehicle."""

    kind: Literal["position"] = "position"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude
    lon: Longitude
    speed_mps: Speed | None = None
    heading_deg: Annotated[float, Strict(), Field(ge=0.0, lt=360.0, allow_inf_nan=False)] | None = (
        None
    )
    hdop: Annotated[float, Strict(), _bounded(0.0, MAX_HDOP)] | None = None
    """Horizontal dilution of precision as the receiver reported it (unitless)."""


class AdasEvent(_Record):
    """One warning episode (onset, duration, peak level) with the measurements behind it."""

    kind: Literal["event"] = "event"
    event_id: uuid.UUID
    """Made in the vehicle; the idempotency key of the event."""
    vehicle_id: Identifier
    time: UtcTime
    """Onset of the warning episode."""
    type: EventType
    level: Level = 1
    """Peak warning level in the episode (0 info, 1 first warning, 2 and 3 urgent)."""
    duration_s: Annotated[float, Strict(), _bounded(0.0, MAX_EPISODE_S)] = 0.0
    lat: Latitude | None = None
    lon: Longitude | None = None
    position_flag: Literal["ok", "interpolated", "no_fix"] = "ok"
    """``no_fix`` when no GPS fix lay close enough in time; the event is kept all the same."""
    speed_mps: Speed | None = None
    ttc_s: Seconds | None = None
    """Time to collision at onset, seconds."""
    headway_s: Seconds | None = None
    """Range to the closest in-path vehicle divided by own speed, seconds."""
    speed_limit_kmh: Annotated[float, Strict(), _bounded(0.0, 200.0)] | None = None
    lateral_m: Lateral | None = None
    """Distance from the tyre to the lane marking, metres (positive inside the lane)."""
    source: EventSource
    raw: list[str] = Field(default_factory=list, max_length=256)
    """Raw frames behind the event as they came off the wire (hex or text)."""

    @model_validator(mode="after")
    def _position_pair(self) -> AdasEvent:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.lat is None and self.position_flag != "no_fix":
            raise ValueError("an event without lat/lon must have position_flag 'no_fix'")
        return self


class SignSighting(_Record):
    """A traffic sign read by the camera."""

    kind: Literal["sign"] = "sign"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude | None = None
    lon: Longitude | None = None
    sign_type: Annotated[str, Field(min_length=1, max_length=32)]
    """``speed_limit``, ``end_of_limit``, ``no_passing`` ..."""
    value: Annotated[float, Strict(), _bounded(0.0, MAX_SIGN_VALUE)] | None = None
    """The sign's value where it has one (speed limit in km/h)."""
    confidence: Annotated[float, Strict(), _bounded(0.0, 1.0)] = 1.0


class LaneSample(_Record):
    """The lane markings seen on one side at one moment."""

    kind: Literal["lane"] = "lane"
    vehicle_id: Identifier
    time: UtcTime
    lat: Latitude | None = None
    lon: Longitude | None = None
    side: Literal["left", "right"]
    marking_type: Literal[
        "dashed", "solid", "none", "road_edge", "double", "botts_dots", "barrier", "unknown"
    ]
    quality: Level
    """0 (not seen) to 3 (clear)."""
    lateral_m: Lateral | None = None


class DeviceStatus(_Record):
    """Health of the gateway and the ADAS unit behind it."""

    kind: Literal["status"] = "status"
    vehicle_id: Identifier
    time: UtcTime
    failsafe: StrictBool = False
    tamper: StrictBool = False
    adas_silent: StrictBool = False
    """True when frames from the ADAS unit stopped arriving."""
    error_codes: list[StrictInt] = Field(default_factory=list, max_length=64)
    uptime_s: Annotated[float, Strict(), _bounded(0.0, MAX_UPTIME_S)] | None = None
    counters: dict[str, StrictInt] = Field(default_factory=dict, max_length=256)
    """Bad-input counters (corrupt frames, bad NMEA checksums ...)."""


AnyRecord = Position | AdasEvent | SignSighting | LaneSample | DeviceStatus
"""Any record a vehicle makes, as a plain union: what the decoder yields and the outbox takes."""

Record = Annotated[AnyRecord, Field(discriminator="kind")]
"""Any record a vehicle uploads, discriminated by its ``kind`` field (for validation)."""


def _schema_version_schema(_source: Any, _handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    return core_schema.custom_error_schema(
        core_schema.int_schema(strict=True, ge=1, le=SCHEMA_VERSION),
        custom_error_type="schema_version",
        custom_error_message=f"schema_version must be an integer from 1 to {SCHEMA_VERSION}; "
        "a newer one is more than this server understands",
    )


SchemaVersion = Annotated[
    int,
    GetPydanticSchema(_schema_version_schema),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": SCHEMA_VERSION}),
]
"""The version of the record format a batch is written in (checked in pydantic-core)."""


class Batch(_Record):
    """What a gateway uploads in one request."""

    batch_id: uuid.UUID
    """Made by the gateway; a batch sent twice is stored once."""
    device_id: Identifier
    schema_version: SchemaVersion = SCHEMA_VERSION
    sent_at: UtcTime | None = None
    items: list[Record] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
