-- roadsense store, version 9: the dashboard's hourly aggregates as an analysis computed
-- them (`roadsense analyze --engine spark`), so that the server's cube can load them
-- instead of scanning positions (ROADSENSE_DASHBOARD_AGGREGATES=stored). One row per row
-- of store/analytics_rows.py's HourlyAggregates; `kind` says which list it belongs to:
-- cell (hour, cell, fleet_id, vehicle_km, n = vehicles), vehicle (vehicle_id, hour,
-- fleet_id, vehicle_km, n = positions), cell_event (hour, cell, fleet_id, event_type,
-- n = events), vehicle_event (vehicle_id, hour, fleet_id, event_type, n = events),
-- cell_vehicles (cell, fleet_id, n = vehicles) and batches (fleet_id, n = batches).
-- The store keeps the latest run's rows per resolution.
CREATE TABLE stored_hourly_aggregates (
    run_id     VARCHAR NOT NULL,
    resolution INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    hour       BIGINT,
    cell       UBIGINT,
    vehicle_id VARCHAR,
    fleet_id   VARCHAR NOT NULL,
    event_type VARCHAR,
    vehicle_km DOUBLE,
    n          BIGINT NOT NULL
);
