-- roadsense store on PostgreSQL + PostGIS, version 1: the same tables as the DuckDB store
-- (its versions 1 and 3), with PostGIS points on events and sign sightings.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE fleets (
    fleet_id   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE vehicles (
    vehicle_id TEXT PRIMARY KEY,
    fleet_id   TEXT REFERENCES fleets,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX vehicles_fleet ON vehicles (fleet_id);

CREATE TABLE drivers (
    driver_id  TEXT PRIMARY KEY,
    fleet_id   TEXT NOT NULL REFERENCES fleets,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE devices (
    device_id  TEXT PRIMARY KEY,
    vehicle_id TEXT NOT NULL REFERENCES vehicles,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE api_keys (
    key_id     TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'fleet_operator')),
    fleet_id   TEXT REFERENCES fleets,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'fleet_operator')),
    fleet_id      TEXT REFERENCES fleets,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    fleet_id   TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE batches (
    batch_id       UUID PRIMARY KEY,
    device_id      TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    items          INTEGER NOT NULL
);

CREATE TABLE device_seen (
    device_id    TEXT PRIMARY KEY,
    last_seen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE positions (
    vehicle_id  TEXT NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    lon         DOUBLE PRECISION NOT NULL,
    speed_mps   DOUBLE PRECISION,
    heading_deg DOUBLE PRECISION,
    hdop        DOUBLE PRECISION,
    h3_cell     BIGINT NOT NULL,
    batch_id    UUID NOT NULL
);
-- Append-mostly and pruned by time: a BRIN index costs almost nothing to keep up.
CREATE INDEX positions_ts ON positions USING brin (ts);

CREATE TABLE events (
    event_id        UUID PRIMARY KEY,
    vehicle_id      TEXT NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    type            TEXT NOT NULL,
    level           INTEGER NOT NULL,
    duration_s      DOUBLE PRECISION NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    h3_cell         BIGINT,
    position_flag   TEXT NOT NULL,
    speed_mps       DOUBLE PRECISION,
    ttc_s           DOUBLE PRECISION,
    headway_s       DOUBLE PRECISION,
    speed_limit_kmh DOUBLE PRECISION,
    lateral_m       DOUBLE PRECISION,
    source          TEXT NOT NULL,
    raw             TEXT[],
    batch_id        UUID NOT NULL,
    geom            geometry(Point, 4326) GENERATED ALWAYS AS (
        CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END
    ) STORED
);
CREATE INDEX events_ts ON events (ts DESC);
CREATE INDEX events_geom ON events USING gist (geom);

CREATE TABLE sign_sightings (
    vehicle_id TEXT NOT NULL,
    ts         TIMESTAMPTZ NOT NULL,
    lat        DOUBLE PRECISION,
    lon        DOUBLE PRECISION,
    sign_type  TEXT NOT NULL,
    value      DOUBLE PRECISION,
    confidence DOUBLE PRECISION NOT NULL,
    batch_id   UUID NOT NULL,
    geom       geometry(Point, 4326) GENERATED ALWAYS AS (
        CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END
    ) STORED
);
CREATE INDEX sign_sightings_geom ON sign_sightings USING gist (geom);

CREATE TABLE lane_samples (
    vehicle_id   TEXT NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    side         TEXT NOT NULL,
    marking_type TEXT NOT NULL,
    quality      INTEGER NOT NULL,
    lateral_m    DOUBLE PRECISION,
    batch_id     UUID NOT NULL
);

CREATE TABLE device_status (
    vehicle_id  TEXT NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    failsafe    BOOLEAN NOT NULL,
    tamper      BOOLEAN NOT NULL,
    adas_silent BOOLEAN NOT NULL,
    error_codes INTEGER[],
    uptime_s    DOUBLE PRECISION,
    counters    JSONB,
    batch_id    UUID NOT NULL
);

CREATE TABLE position_rollup (
    hour          TIMESTAMPTZ NOT NULL,
    h3_cell       BIGINT NOT NULL,
    fleet_id      TEXT NOT NULL,
    fixes         BIGINT NOT NULL,
    vehicle_km    DOUBLE PRECISION NOT NULL,
    speed_sum_mps DOUBLE PRECISION NOT NULL,
    speed_fixes   BIGINT NOT NULL,
    vehicles      INTEGER NOT NULL,
    PRIMARY KEY (hour, h3_cell, fleet_id)
);
