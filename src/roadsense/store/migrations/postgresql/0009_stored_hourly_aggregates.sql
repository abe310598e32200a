-- roadsense store on PostgreSQL, version 9: the dashboard's hourly aggregates as an
-- analysis computed them. Same shape as the DuckDB version 9 (see there).
CREATE TABLE stored_hourly_aggregates (
    run_id     TEXT NOT NULL,
    resolution INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    hour       BIGINT,
    cell       BIGINT,
    vehicle_id TEXT,
    fleet_id   TEXT NOT NULL,
    event_type TEXT,
    vehicle_km DOUBLE PRECISION,
    n          BIGINT NOT NULL
);
CREATE INDEX stored_hourly_aggregates_run ON stored_hourly_aggregates (resolution, run_id);
