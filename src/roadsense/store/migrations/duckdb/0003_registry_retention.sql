-- roadsense store, version 3: the registry (fleets, vehicles, drivers), people's
-- credentials (API keys, users, sessions), devices' last upload, and the hourly roll-up
-- that retention keeps of pruned positions. (Version 2 is the roads tables.)
CREATE TABLE fleets (
    fleet_id   VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE vehicles (
    vehicle_id VARCHAR PRIMARY KEY,
    fleet_id   VARCHAR,  -- NULL: no fleet has claimed the vehicle yet
    created_at TIMESTAMPTZ NOT NULL
);

INSERT INTO vehicles
SELECT vehicle_id, NULL, min(created_at) FROM devices GROUP BY vehicle_id;

CREATE TABLE drivers (
    driver_id  VARCHAR PRIMARY KEY,
    fleet_id   VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    key_id     VARCHAR PRIMARY KEY,
    key_hash   VARCHAR NOT NULL UNIQUE,  -- SHA-256 of a random 256-bit key
    role       VARCHAR NOT NULL,
    fleet_id   VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,  -- scrypt$N$r$p$salt$hash
    role          VARCHAR NOT NULL,
    fleet_id      VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);

CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,  -- SHA-256 of the cookie's random token
    kind       VARCHAR NOT NULL,     -- 'key' or 'user'
    name       VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,
    fleet_id   VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE device_seen (
    device_id    VARCHAR PRIMARY KEY,
    last_seen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE position_rollup (
    hour          TIMESTAMPTZ NOT NULL,
    h3_cell       UBIGINT NOT NULL,   -- fine resolution (12), as in positions
    fleet_id      VARCHAR NOT NULL,   -- '' for vehicles of no fleet
    fixes         BIGINT NOT NULL,
    vehicle_km    DOUBLE NOT NULL,
    speed_sum_mps DOUBLE NOT NULL,
    speed_fixes   BIGINT NOT NULL,
    vehicles      INTEGER NOT NULL,   -- distinct vehicles in the hour and cell
    PRIMARY KEY (hour, h3_cell, fleet_id)
);
