-- roadsense store, version 4: police crash records, which driver drove which vehicle when,
-- each vehicle's kilometres per day (kept after raw positions are pruned), and a record
-- of every analysis run.
CREATE TABLE crashes (
    crash_id   VARCHAR PRIMARY KEY,
    ts         TIMESTAMPTZ NOT NULL,
    lat        DOUBLE NOT NULL,
    lon        DOUBLE NOT NULL,
    h3_cell    UBIGINT NOT NULL,
    severity   VARCHAR NOT NULL,
    crash_type VARCHAR,
    source     VARCHAR NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE driver_shifts (
    driver_id  VARCHAR NOT NULL,
    vehicle_id VARCHAR NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (driver_id, vehicle_id, starts_at)
);

CREATE TABLE analysis_runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    kind        VARCHAR NOT NULL,
    parameters  VARCHAR NOT NULL,  -- JSON
    data        VARCHAR NOT NULL,  -- JSON: what the run saw (periods, counts)
    results     VARCHAR NOT NULL   -- JSON: headline results
);
