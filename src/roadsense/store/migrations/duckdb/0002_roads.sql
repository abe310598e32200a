-- roadsense store, version 2: the road network and what map matching made of the records.
-- One network per store (roadsense roads import replaces it).
CREATE TABLE road_network (
    network_id      INTEGER PRIMARY KEY,  -- always 1
    source          VARCHAR NOT NULL,     -- the OSM file's name
    digest          VARCHAR NOT NULL,     -- SHA-256 (16 hex) of the OSM file
    country         VARCHAR NOT NULL,     -- for default speed limits ('' = generic)
    imported_at     TIMESTAMPTZ NOT NULL,
    segments        INTEGER NOT NULL,
    junctions       INTEGER NOT NULL
);

CREATE TABLE road_segments (
    segment_id         VARCHAR PRIMARY KEY,  -- '<way id>:<first node index>-<last node index>'
    osm_way_id         BIGINT NOT NULL,
    from_node          BIGINT NOT NULL,
    to_node            BIGINT NOT NULL,
    highway            VARCHAR NOT NULL,
    name               VARCHAR,
    lanes              INTEGER,
    oneway             SMALLINT NOT NULL,    -- 0 both ways, 1 along the nodes, -1 against
    speed_limit_kmh    DOUBLE PRECISION NOT NULL,
    speed_limit_source VARCHAR NOT NULL,     -- 'maxspeed' or 'default'
    length_m           DOUBLE PRECISION NOT NULL,
    coords             VARCHAR NOT NULL      -- JSON [[lon, lat], ...]
);
CREATE INDEX road_segments_way ON road_segments (osm_way_id);

CREATE TABLE road_junctions (
    node_id BIGINT PRIMARY KEY,
    lon     DOUBLE PRECISION NOT NULL,
    lat     DOUBLE PRECISION NOT NULL,
    degree  INTEGER NOT NULL
);

-- Every position, placed on the road (or flagged matched = false).
CREATE TABLE matched_positions (
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    matched     BOOLEAN NOT NULL,
    osm_way_id  BIGINT,
    segment_id  VARCHAR,
    distance_m  DOUBLE PRECISION,
    quality     DOUBLE PRECISION NOT NULL,
    trip        INTEGER,
    speed_mps   DOUBLE PRECISION
);
CREATE INDEX matched_positions_vehicle_ts ON matched_positions (vehicle_id, ts);

-- Events, signs and lane samples placed on the matched path at their time.
CREATE TABLE matched_events (
    event_id    UUID PRIMARY KEY,
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    matched     BOOLEAN NOT NULL,
    osm_way_id  BIGINT,
    segment_id  VARCHAR,
    road_lon    DOUBLE PRECISION,
    road_lat    DOUBLE PRECISION
);
CREATE TABLE matched_signs (
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    sign_type   VARCHAR NOT NULL,
    matched     BOOLEAN NOT NULL,
    osm_way_id  BIGINT,
    segment_id  VARCHAR
);
CREATE INDEX matched_signs_vehicle_ts ON matched_signs (vehicle_id, ts);
CREATE TABLE matched_lanes (
    vehicle_id  VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    side        VARCHAR NOT NULL,
    matched     BOOLEAN NOT NULL,
    segment_id  VARCHAR
);
CREATE INDEX matched_lanes_vehicle_ts ON matched_lanes (vehicle_id, ts);

-- Batches whose records map matching has seen (matching runs over new batches only).
CREATE TABLE matched_batches (
    batch_id    UUID PRIMARY KEY,
    matched_at  TIMESTAMPTZ NOT NULL
);
