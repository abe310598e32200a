-- roadsense store, version 1: devices, batches and the records of DESIGN.md.
CREATE TABLE devices (
    device_id   VARCHAR PRIMARY KEY,
    vehicle_id  VARCHAR NOT NULL,
    token_hash  VARCHAR NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE TABLE batches (
    batch_id       UUID PRIMARY KEY,
    device_id      VARCHAR NOT NULL,
    schema_version INTEGER NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    items          INTEGER NOT NULL
);

CREATE TABLE positions (
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    lat         DOUBLE NOT NULL,
    lon         DOUBLE NOT NULL,
    speed_mps   DOUBLE,
    heading_deg DOUBLE,
    hdop        DOUBLE,
    h3_cell     UBIGINT NOT NULL,  -- H3 cell at the store's fine resolution (12)
    batch_id    UUID NOT NULL
);

CREATE TABLE events (
    event_id        UUID PRIMARY KEY,
    vehicle_id      VARCHAR NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    type            VARCHAR NOT NULL,
    level           INTEGER NOT NULL,
    duration_s      DOUBLE NOT NULL,
    lat             DOUBLE,
    lon             DOUBLE,
    h3_cell         UBIGINT,
    position_flag   VARCHAR NOT NULL,
    speed_mps       DOUBLE,
    ttc_s           DOUBLE,
    headway_s       DOUBLE,
    speed_limit_kmh DOUBLE,
    lateral_m       DOUBLE,
    source          VARCHAR NOT NULL,
    raw             VARCHAR[],
    batch_id        UUID NOT NULL
);

CREATE TABLE sign_sightings (
    vehicle_id VARCHAR NOT NULL,
    ts         TIMESTAMPTZ NOT NULL,
    lat        DOUBLE,
    lon        DOUBLE,
    sign_type  VARCHAR NOT NULL,
    value      DOUBLE,
    confidence DOUBLE NOT NULL,
    batch_id   UUID NOT NULL
);

CREATE TABLE lane_samples (
    vehicle_id   VARCHAR NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    lat          DOUBLE,
    lon          DOUBLE,
    side         VARCHAR NOT NULL,
    marking_type VARCHAR NOT NULL,
    quality      INTEGER NOT NULL,
    lateral_m    DOUBLE,
    batch_id     UUID NOT NULL
);

CREATE TABLE device_status (
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    failsafe    BOOLEAN NOT NULL,
    tamper      BOOLEAN NOT NULL,
    adas_silent BOOLEAN NOT NULL,
    error_codes INTEGER[],
    uptime_s    DOUBLE,
    counters    VARCHAR,  -- JSON object
    batch_id    UUID NOT NULL
);
