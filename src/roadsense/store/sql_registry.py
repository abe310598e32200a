"""Fleets, vehicles, drivers, devices and people's credentials, for both SQL backends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from roadsense.store.account_store import (
    ROLES,
    ApiKey,
    Device,
    DeviceToAdd,
    Principal,
    Role,
    User,
)
from roadsense.store.errors import StoreError
from roadsense.store.fleet_membership import EARLIEST, record_membership
from roadsense.store.registry_store import Driver, Fleet, Vehicle
from roadsense.store.sql import Runner, SqlBackend

_DEVICE_COLUMNS = (
    "d.device_id, d.vehicle_id, d.created_at, d.revoked_at, v.fleet_id "
    "FROM devices d LEFT JOIN vehicles v ON v.vehicle_id = d.vehicle_id"
)


def _role(value: str) -> Role:
    if value not in ROLES:
        raise StoreError(f"unknown role {value!r}; one of {', '.join(ROLES)}")
    return value


def _check_role_fleet(runner: Runner, role: Role, fleet_id: str | None) -> None:
    if role == "fleet_operator":
        if not fleet_id:
            raise StoreError("a fleet operator needs a fleet (--fleet)")
        _require_fleet(runner, fleet_id)
    elif fleet_id is not None:
        raise StoreError(f"only fleet operators belong to a fleet, not role {role!r}")


def _some(values: Sequence[str], shown: int = 5) -> str:
    """The first few of ``values``, and how many more there are."""
    more = f" and {len(values) - shown} more" if len(values) > shown else ""
    return ", ".join(repr(v) for v in values[:shown]) + more


def _refuse_repeats(what: str, values: Sequence[str]) -> None:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise StoreError(f"{what} given more than once: {_some(repeated)}")


INSERT_CHUNK = 500
"""Rows per multi-row INSERT of a bulk insert."""


def _insert_rows(runner: Runner, table: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert ``rows`` into ``table`` (``name (col, ...)``) with multi-row INSERTs."""
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        one = "(" + ", ".join("?" * len(chunk[0])) + ")"
        runner.run(
            f"INSERT INTO {table} VALUES {', '.join([one] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def _require_fleet(runner: Runner, fleet_id: str) -> None:
    if not runner.fetch("SELECT 1 FROM fleets WHERE fleet_id = ?", [fleet_id]):
        raise StoreError(f"no fleet {fleet_id!r}; add it first")


class RegistryMixin:
    """Registry and account methods (:class:`~roadsense.store.registry_store.RegistryStore`,
    :class:`~roadsense.store.account_store.AccountStore`) written once for both SQLs."""

    # -- fleets, vehicles, drivers -----------------------------------------------------

    def add_fleet(self: SqlBackend, fleet_id: str, name: str) -> Fleet:
        """Register a fleet."""
        now = datetime.now(UTC)
        with self._tx() as tx:
            if tx.fetch("SELECT 1 FROM fleets WHERE fleet_id = ?", [fleet_id]):
                raise StoreError(f"fleet {fleet_id!r} already exists")
            tx.run("INSERT INTO fleets VALUES (?, ?, ?)", [fleet_id, name, now])
        return Fleet(fleet_id, name, now)

    def list_fleets(self: SqlBackend) -> list[Fleet]:
        """Every fleet."""
        with self._read() as r:
            rows = r.fetch("SELECT fleet_id, name, created_at FROM fleets ORDER BY fleet_id")
        return [Fleet(*row) for row in rows]

    def add_vehicle(self: SqlBackend, vehicle_id: str, fleet_id: str | None) -> Vehicle:
        """Register a vehicle, or move a registered one to another fleet."""
        now = datetime.now(UTC)
        with self._tx() as tx:
            if fleet_id is not None:
                _require_fleet(tx, fleet_id)
            known = tx.fetch("SELECT created_at FROM vehicles WHERE vehicle_id = ?", [vehicle_id])
            if known:
                tx.run(
                    "UPDATE vehicles SET fleet_id = ? WHERE vehicle_id = ?", [fleet_id, vehicle_id]
                )
                record_membership(tx, vehicle_id, fleet_id, now)
                return Vehicle(vehicle_id, fleet_id, known[0][0])
            tx.run("INSERT INTO vehicles VALUES (?, ?, ?)", [vehicle_id, fleet_id, now])
            record_membership(tx, vehicle_id, fleet_id, now)
        return Vehicle(vehicle_id, fleet_id, now)

    def list_vehicles(self: SqlBackend, fleet_id: str | None = None) -> list[Vehicle]:
        """Registered vehicles, of one fleet when given."""
        where, params = ("WHERE fleet_id = ?", [fleet_id]) if fleet_id else ("", [])
        with self._read() as r:
            rows = r.fetch(
                f"SELECT vehicle_id, fleet_id, created_at FROM vehicles {where} "
                "ORDER BY vehicle_id",
                params,
            )
        return [Vehicle(*row) for row in rows]

    def add_driver(self: SqlBackend, driver_id: str, fleet_id: str, name: str) -> Driver:
        """Register a driver with a fleet."""
        now = datetime.now(UTC)
        with self._tx() as tx:
            _require_fleet(tx, fleet_id)
            if tx.fetch("SELECT 1 FROM drivers WHERE driver_id = ?", [driver_id]):
                raise StoreError(f"driver {driver_id!r} already exists")
            tx.run("INSERT INTO drivers VALUES (?, ?, ?, ?)", [driver_id, fleet_id, name, now])
        return Driver(driver_id, fleet_id, name, now)

    def list_drivers(self: SqlBackend, fleet_id: str | None = None) -> list[Driver]:
        """Registered drivers, of one fleet when given."""
        where, params = ("WHERE fleet_id = ?", [fleet_id]) if fleet_id else ("", [])
        with self._read() as r:
            rows = r.fetch(
                f"SELECT driver_id, fleet_id, name, created_at FROM drivers {where} "
                "ORDER BY driver_id",
                params,
            )
        return [Driver(*row) for row in rows]

    # -- devices -----------------------------------------------------------------------

    def add_device(self: SqlBackend, device_id: str, vehicle_id: str, token_hash: str) -> Device:
        """Provision a device; its vehicle is registered (with no fleet) if it is new."""
        created = datetime.now(UTC)
        with self._tx() as tx:
            if tx.fetch("SELECT 1 FROM devices WHERE device_id = ?", [device_id]):
                raise StoreError(f"device {device_id!r} is already provisioned")
            if tx.fetch("SELECT 1 FROM devices WHERE token_hash = ?", [token_hash]):
                raise StoreError("that token is already in use; make a new one")
            fleet = tx.fetch("SELECT fleet_id FROM vehicles WHERE vehicle_id = ?", [vehicle_id])
            if not fleet:
                tx.run("INSERT INTO vehicles VALUES (?, NULL, ?)", [vehicle_id, created])
            tx.run(
                "INSERT INTO devices VALUES (?, ?, ?, ?, NULL)",
                [device_id, vehicle_id, token_hash, created],
            )
        return Device(device_id, vehicle_id, created, None, fleet[0][0] if fleet else None)

    def add_devices(self: SqlBackend, devices: Sequence[DeviceToAdd]) -> int:
        """Provision many devices in one transaction, all or none; how many were added.

        Raises :class:`StoreError` (naming the first offenders) when a device id or token
        is already in use or repeated, or a fleet is not registered. A vehicle with a
        ``fleet_id`` is registered with (or moved to) that fleet.
        """
        created = datetime.now(UTC)
        ids = [d.device_id for d in devices]
        _refuse_repeats("device id", ids)
        _refuse_repeats("token", [d.token_hash for d in devices])
        with self._tx() as tx:
            taken = {str(d) for (d,) in tx.fetch("SELECT device_id FROM devices")}
            clash = [i for i in ids if i in taken]
            if clash:
                raise StoreError(f"already provisioned: {_some(clash)}")
            hashes = {str(h) for (h,) in tx.fetch("SELECT token_hash FROM devices")}
            if any(d.token_hash in hashes for d in devices):
                raise StoreError("a token is already in use; make new ones")
            fleets = {str(f) for (f,) in tx.fetch("SELECT fleet_id FROM fleets")}
            unknown = sorted({d.fleet_id for d in devices if d.fleet_id} - fleets)
            if unknown:
                raise StoreError(f"no such fleet: {_some(unknown)}")
            known = {str(v): f for v, f in tx.fetch("SELECT vehicle_id, fleet_id FROM vehicles")}
            new_vehicles: dict[str, str | None] = {}
            moves: dict[str, str] = {}
            for d in devices:
                if d.vehicle_id not in known:
                    if new_vehicles.get(d.vehicle_id) is None:
                        new_vehicles[d.vehicle_id] = d.fleet_id
                elif d.fleet_id is not None and known[d.vehicle_id] != d.fleet_id:
                    moves[d.vehicle_id] = d.fleet_id
            _insert_rows(
                tx,
                "vehicles (vehicle_id, fleet_id, created_at)",
                [(v, f, created) for v, f in new_vehicles.items()],
            )
            _insert_rows(
                tx,
                "fleet_memberships (vehicle_id, fleet_id, valid_from)",
                [(v, f, EARLIEST) for v, f in new_vehicles.items() if f is not None],
            )
            for vehicle_id, fleet_id in moves.items():
                tx.run(
                    "UPDATE vehicles SET fleet_id = ? WHERE vehicle_id = ?", [fleet_id, vehicle_id]
                )
                record_membership(tx, vehicle_id, fleet_id, created)
            _insert_rows(
                tx,
                "devices (device_id, vehicle_id, token_hash, created_at)",
                [(d.device_id, d.vehicle_id, d.token_hash, created) for d in devices],
            )
        return len(devices)

    def device_by_token_hash(self: SqlBackend, token_hash: str) -> Device | None:
        """The active device holding this token, if any."""
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {_DEVICE_COLUMNS} WHERE d.token_hash = ? AND d.revoked_at IS NULL",
                [token_hash],
            )
        return Device(*rows[0]) if rows else None

    def active_devices(self: SqlBackend) -> list[tuple[str, Device]]:
        """(token hash, device) of every active device: what a server keeps in memory."""
        with self._read() as r:
            rows = r.fetch(f"SELECT d.token_hash, {_DEVICE_COLUMNS} WHERE d.revoked_at IS NULL")
        return [(str(row[0]), Device(*row[1:])) for row in rows]

    def list_devices(self: SqlBackend) -> list[Device]:
        """Every provisioned device."""
        with self._read() as r:
            rows = r.fetch(f"SELECT {_DEVICE_COLUMNS} ORDER BY d.device_id")
        return [Device(*row) for row in rows]

    def revoke_device(self: SqlBackend, device_id: str) -> bool:
        """Revoke a device; False when there is no such active device."""
        with self._tx() as tx:
            if not tx.fetch(
                "SELECT 1 FROM devices WHERE device_id = ? AND revoked_at IS NULL", [device_id]
            ):
                return False
            tx.run(
                "UPDATE devices SET revoked_at = ? WHERE device_id = ?",
                [datetime.now(UTC), device_id],
            )
        return True

    def device_last_seen(self: SqlBackend) -> dict[str, datetime]:
        """When each device last uploaded a stored batch."""
        with self._read() as r:
            rows = r.fetch("SELECT device_id, last_seen_at FROM device_seen")
        return {str(d): t for d, t in rows}

    # -- people's credentials -------------------------------------------------------------

    def add_api_key(
        self: SqlBackend, key_id: str, key_hash: str, role: Role, fleet_id: str | None = None
    ) -> ApiKey:
        """Issue an API key for a role (a fleet operator's key names its fleet)."""
        role = _role(role)
        now = datetime.now(UTC)
        with self._tx() as tx:
            _check_role_fleet(tx, role, fleet_id)
            if tx.fetch("SELECT 1 FROM api_keys WHERE key_id = ?", [key_id]):
                raise StoreError(f"API key {key_id!r} already exists")
            tx.run(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
                [key_id, key_hash, role, fleet_id, now],
            )
        return ApiKey(key_id, role, fleet_id, now)

    def list_api_keys(self: SqlBackend) -> list[ApiKey]:
        """Every API key, without secrets."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT key_id, role, fleet_id, created_at, revoked_at FROM api_keys "
                "ORDER BY key_id"
            )
        return [ApiKey(k, _role(role), f, c, rv) for k, role, f, c, rv in rows]

    def revoke_api_key(self: SqlBackend, key_id: str) -> bool:
        """Revoke an API key; False when there is no such active key."""
        with self._tx() as tx:
            if not tx.fetch(
                "SELECT 1 FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", [key_id]
            ):
                return False
            tx.run(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", [datetime.now(UTC), key_id]
            )
            tx.run("DELETE FROM sessions WHERE kind = 'key' AND name = ?", [key_id])
        return True

    def principal_by_key_hash(self: SqlBackend, key_hash: str) -> Principal | None:
        """Whom an active API key stands for."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT key_id, role, fleet_id FROM api_keys "
                "WHERE key_hash = ? AND revoked_at IS NULL",
                [key_hash],
            )
        if not rows:
            return None
        key_id, role, fleet_id = rows[0]
        return Principal(key_id, _role(role), fleet_id)

    def add_user(
        self: SqlBackend,
        username: str,
        password_hash: str,
        role: Role,
        fleet_id: str | None = None,
    ) -> User:
        """Create a user who signs in with a password (the hash is a scrypt string)."""
        role = _role(role)
        now = datetime.now(UTC)
        with self._tx() as tx:
            _check_role_fleet(tx, role, fleet_id)
            if tx.fetch("SELECT 1 FROM users WHERE username = ?", [username]):
                raise StoreError(f"user {username!r} already exists")
            tx.run(
                "INSERT INTO users (username, password_hash, role, fleet_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [username, password_hash, role, fleet_id, now],
            )
        return User(username, role, fleet_id, now)

    def user_password_hash(self: SqlBackend, username: str) -> tuple[str, Principal] | None:
        """The stored password hash of an enabled user, and whom the user stands for."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT password_hash, role, fleet_id FROM users "
                "WHERE username = ? AND disabled_at IS NULL",
                [username],
            )
        if not rows:
            return None
        password_hash, role, fleet_id = rows[0]
        return str(password_hash), Principal(username, _role(role), fleet_id, "user")

    def list_users(self: SqlBackend) -> list[User]:
        """Every user, without password hashes."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT username, role, fleet_id, created_at, disabled_at, locked_at "
                "FROM users ORDER BY username"
            )
        return [User(u, _role(role), f, c, d, lk) for u, role, f, c, d, lk in rows]

    def set_user_disabled(self: SqlBackend, username: str, disabled: bool) -> bool:
        """Disable a user (ending their sessions at once) or enable them again; False when
        there is no such user."""
        with self._tx() as tx:
            if not tx.fetch("SELECT 1 FROM users WHERE username = ?", [username]):
                return False
            tx.run(
                "UPDATE users SET disabled_at = ? WHERE username = ?",
                [datetime.now(UTC) if disabled else None, username],
            )
            if disabled:
                tx.run("DELETE FROM sessions WHERE kind = 'user' AND name = ?", [username])
        return True

    def record_signin_failure(self: SqlBackend, username: str, lock_after: int) -> bool:
        """Count a failed sign-in of a user; the account is locked at ``lock_after`` in a
        row. Whether it is locked now (False for an unknown user)."""
        with self._tx() as tx:
            rows = tx.fetch(
                "SELECT failed_signins, locked_at FROM users WHERE username = ?", [username]
            )
            if not rows:
                return False
            failures = int(rows[0][0] or 0) + 1
            locked_at = rows[0][1]
            if locked_at is None and failures >= lock_after:
                locked_at = datetime.now(UTC)
            tx.run(
                "UPDATE users SET failed_signins = ?, locked_at = ? WHERE username = ?",
                [failures, locked_at, username],
            )
        return locked_at is not None

    def record_signin_success(self: SqlBackend, username: str) -> None:
        """A user signed in: their count of failed sign-ins starts again."""
        with self._tx() as tx:
            tx.run(
                "UPDATE users SET failed_signins = 0 WHERE username = ? AND failed_signins > 0",
                [username],
            )

    def user_locked(self: SqlBackend, username: str) -> bool:
        """Whether a user's account is locked after too many failed sign-ins."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT 1 FROM users WHERE username = ? AND locked_at IS NOT NULL", [username]
            )
        return bool(rows)

    def unlock_user(self: SqlBackend, username: str) -> bool:
        """Lift a user's lock-out (and their count of failures); False when there is no
        such user."""
        with self._tx() as tx:
            if not tx.fetch("SELECT 1 FROM users WHERE username = ?", [username]):
                return False
            tx.run(
                "UPDATE users SET failed_signins = 0, locked_at = NULL WHERE username = ?",
                [username],
            )
        return True

    def add_session(
        self: SqlBackend, token_hash: str, principal: Principal, expires_at: datetime
    ) -> None:
        """Remember a signed-in session (the cookie's token is stored as its hash)."""
        with self._tx() as tx:
            tx.run(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    token_hash,
                    principal.kind,
                    principal.name,
                    principal.role,
                    principal.fleet_id,
                    datetime.now(UTC),
                    expires_at,
                ],
            )

    def principal_by_session_hash(
        self: SqlBackend, token_hash: str, now: datetime
    ) -> Principal | None:
        """Whom an unexpired session stands for (none of a disabled user's)."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT kind, name, role, fleet_id FROM sessions s "
                "WHERE token_hash = ? AND expires_at > ? AND (kind <> 'user' OR NOT EXISTS "
                "(SELECT 1 FROM users u WHERE u.username = s.name "
                "AND u.disabled_at IS NOT NULL))",
                [token_hash, now],
            )
        if not rows:
            return None
        kind, name, role, fleet_id = rows[0]
        return Principal(name, _role(role), fleet_id, "user" if kind == "user" else "key")

    def delete_session(self: SqlBackend, token_hash: str) -> None:
        """Sign a session out."""
        with self._tx() as tx:
            tx.run("DELETE FROM sessions WHERE token_hash = ?", [token_hash])
