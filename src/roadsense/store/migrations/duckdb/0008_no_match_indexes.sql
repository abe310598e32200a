-- roadsense store, version 8 (DuckDB only): the (vehicle_id, ts) indexes of the match
-- tables go. DuckDB 2 scans with zone maps for `vehicle_id = ? AND ts BETWEEN ...` and
-- never used them, yet each insert kept them up to date: writing one vehicle-hour of
-- matches took 5x as long with them (bench/match_store.py). PostgreSQL keeps its own.
DROP INDEX IF EXISTS matched_positions_vehicle_ts;
DROP INDEX IF EXISTS matched_signs_vehicle_ts;
DROP INDEX IF EXISTS matched_lanes_vehicle_ts;
