-- roadsense store, version 7: vehicles' membership of fleets over time. A record belongs
-- to the fleet that had its vehicle at the record's time (store/fleet_membership.py);
-- valid_from inclusive, valid_to exclusive (NULL: the current period). vehicles.fleet_id
-- stays the current fleet. Every vehicle with a fleet gets one open period from the
-- earliest time, so history stays where it was seen before this version.
CREATE TABLE fleet_memberships (
    vehicle_id TEXT NOT NULL REFERENCES vehicles,
    fleet_id   TEXT NOT NULL REFERENCES fleets,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ
);
CREATE INDEX fleet_memberships_vehicle ON fleet_memberships (vehicle_id, valid_from);

INSERT INTO fleet_memberships (vehicle_id, fleet_id, valid_from, valid_to)
SELECT vehicle_id, fleet_id, TIMESTAMPTZ '0001-01-01 00:00:00+00', NULL
FROM vehicles WHERE fleet_id IS NOT NULL;
