-- roadsense store on PostgreSQL, version 4: police crash records (with PostGIS points),
-- driver shifts, and a record of every analysis run. Same shape as the DuckDB version 4.
CREATE TABLE crashes (
    crash_id    TEXT PRIMARY KEY,
    ts          TIMESTAMPTZ NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    lon         DOUBLE PRECISION NOT NULL,
    h3_cell     BIGINT NOT NULL,
    severity    TEXT NOT NULL,
    crash_type  TEXT,
    source      TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    geom        geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED
);
CREATE INDEX crashes_ts ON crashes (ts);
CREATE INDEX crashes_geom ON crashes USING gist (geom);

CREATE TABLE driver_shifts (
    driver_id  TEXT NOT NULL,
    vehicle_id TEXT NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (driver_id, vehicle_id, starts_at)
);

CREATE TABLE analysis_runs (
    run_id      TEXT PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    data        TEXT NOT NULL,
    results     TEXT NOT NULL
);
