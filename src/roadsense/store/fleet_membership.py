"""Which fleet had a vehicle when: the membership rule, written once.

A vehicle's membership of fleets is a history of periods in ``fleet_memberships``
(``valid_from`` inclusive, ``valid_to`` exclusive, NULL while open). A record (a position,
an event, a device status) belongs to the fleet that had its vehicle at the record's time,
so a vehicle moved from fleet A to fleet B leaves its history with A. Every fleet-scoped
read and every per-fleet attribution of the store uses the SQL below.
"""

from __future__ import annotations

from datetime import UTC, datetime

from roadsense.store.sql import Runner

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
"""Where a vehicle's first membership begins: records from before a vehicle was registered
(a gateway's backlog, imported history) belong to the first fleet that claims it."""


def _period_sql(vehicle: str, at: str) -> str:
    """The membership periods of ``vehicle`` (a SQL column) that hold the time ``at``."""
    return (
        f"FROM fleet_memberships fm WHERE fm.vehicle_id = {vehicle} "
        f"AND fm.valid_from <= {at} AND (fm.valid_to IS NULL OR {at} < fm.valid_to)"
    )


def in_fleet_sql(vehicle: str, at: str) -> str:
    """SQL true when ``vehicle`` belonged at time ``at`` to the fleet of one ``?`` parameter.

    ``vehicle`` and ``at`` must be qualified columns (``positions.vehicle_id``), so that
    they are not read as the membership table's own.
    """
    return f"EXISTS (SELECT 1 {_period_sql(vehicle, at)} AND fm.fleet_id = ?)"


def ever_in_fleet_sql(vehicle: str) -> str:
    """SQL true when ``vehicle`` was ever in the fleet of one ``?`` parameter (a cheap
    pre-filter: the time-aware test is :func:`in_fleet_sql`)."""
    return f"{vehicle} IN (SELECT fm.vehicle_id FROM fleet_memberships fm WHERE fm.fleet_id = ?)"


def fleet_rows_sql(source: str) -> str:
    """The rows of ``source`` (a table, or a parenthesised query, with ``vehicle_id`` and
    ``ts``) whose vehicle was at the row's time in the fleet of one ``?`` parameter.

    A parenthesised query to be given an alias: ``FROM {fleet_rows_sql('events')} e``.
    A join, not a correlated EXISTS, so that the engines hash it (periods never overlap,
    so a row matches once at most); several times faster on big tables.
    """
    return (
        f"(SELECT r.* FROM {source} r JOIN fleet_memberships fm ON fm.vehicle_id = r.vehicle_id"
        " AND fm.fleet_id = ? AND fm.valid_from <= r.ts"
        " AND (fm.valid_to IS NULL OR r.ts < fm.valid_to))"
    )


def fleet_join_sql(vehicle: str, at: str) -> str:
    """A LEFT JOIN of the membership (alias ``fm``) that held ``vehicle`` at time ``at``:
    ``coalesce(fm.fleet_id, '')`` is then the fleet of the row (periods never overlap, so
    a row gets one match at most). The cheap form of :func:`fleet_at_sql` for big scans."""
    return (
        f"LEFT JOIN fleet_memberships fm ON fm.vehicle_id = {vehicle} "
        f"AND fm.valid_from <= {at} AND (fm.valid_to IS NULL OR {at} < fm.valid_to)"
    )


def fleet_at_sql(vehicle: str, at: str) -> str:
    """SQL for the fleet that had ``vehicle`` at time ``at``; '' for none."""
    return f"coalesce((SELECT max(fm.fleet_id) {_period_sql(vehicle, at)}), '')"


def record_membership(runner: Runner, vehicle_id: str, fleet_id: str | None, at: datetime) -> None:
    """Put ``vehicle_id`` in ``fleet_id`` (None: in no fleet) from ``at`` on.

    Its open period, if any, ends at ``at``; the new one opens at ``at``, or at
    :data:`EARLIEST` when the vehicle never had a fleet, so its whole history goes with it.
    """
    had = runner.fetch(
        "SELECT fleet_id, valid_to FROM fleet_memberships WHERE vehicle_id = ?", [vehicle_id]
    )
    if any(valid_to is None and f == fleet_id for f, valid_to in had):
        return
    runner.run(
        "UPDATE fleet_memberships SET valid_to = ? WHERE vehicle_id = ? AND valid_to IS NULL",
        [at, vehicle_id],
    )
    if fleet_id is not None:
        runner.run(
            "INSERT INTO fleet_memberships (vehicle_id, fleet_id, valid_from, valid_to) "
            "VALUES (?, ?, ?, NULL)",
            [vehicle_id, fleet_id, at if had else EARLIEST],
        )
