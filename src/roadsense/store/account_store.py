"""Credentials and whom they stand for: devices, API keys, users and their sessions.

Secrets are never stored, only their hashes (tokens and keys hashed by the caller,
passwords as scrypt strings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Role = Literal["admin", "analyst", "fleet_operator"]
"""What a person (or a script acting for one) may do; devices are a role of their own."""
ROLES: tuple[Role, ...] = ("admin", "analyst", "fleet_operator")


@dataclass(frozen=True)
class Device:
    """A provisioned gateway."""

    device_id: str
    vehicle_id: str
    created_at: datetime
    revoked_at: datetime | None = None
    fleet_id: str | None = None
    """The fleet of the device's vehicle, if the vehicle is registered with one."""


@dataclass(frozen=True)
class DeviceToAdd:
    """One gateway of a bulk provisioning: its vehicle (registered with ``fleet_id`` when
    given) and its token's hash."""

    device_id: str
    vehicle_id: str
    token_hash: str
    fleet_id: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who a person's credential (API key, user or session) stands for."""

    name: str
    """The API key's id or the username."""
    role: Role
    fleet_id: str | None = None
    """The fleet a fleet operator may see; None for the other roles."""
    kind: Literal["key", "user"] = "key"
    """Whether ``name`` is an API key id or a username."""


@dataclass(frozen=True)
class ApiKey:
    """An API key as listed (its secret is never stored, only its hash)."""

    key_id: str
    role: Role
    fleet_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class User:
    """A person who signs in with a username and password (scrypt-hashed)."""

    username: str
    role: Role
    fleet_id: str | None
    created_at: datetime
    disabled_at: datetime | None = None
    locked_at: datetime | None = None
    """When the account was locked after too many failed sign-ins (an admin unlocks it)."""


class AccountStore(Protocol):
    """Provisioned devices, API keys, users and sessions."""

    def add_device(self, device_id: str, vehicle_id: str, token_hash: str) -> Device:
        """Provision a device; the token is stored only as its hash."""
        ...

    def add_devices(self, devices: Sequence[DeviceToAdd]) -> int:
        """Provision many devices in one transaction, all or none; how many were added.

        Raises :class:`~roadsense.store.StoreError` (naming the first offenders) when a
        device id or token is already in use or repeated, or a fleet is not registered.
        A vehicle with a ``fleet_id`` is registered with (or moved to) that fleet.
        """
        ...

    def device_by_token_hash(self, token_hash: str) -> Device | None:
        """The active device holding this token, if any."""
        ...

    def active_devices(self) -> list[tuple[str, Device]]:
        """(token hash, device) of every active device."""
        ...

    def list_devices(self) -> list[Device]:
        """Every provisioned device."""
        ...

    def revoke_device(self, device_id: str) -> bool:
        """Revoke a device; False when there is no such active device."""
        ...

    def device_last_seen(self) -> dict[str, datetime]:
        """When each device last uploaded a stored batch."""
        ...

    def add_api_key(
        self, key_id: str, key_hash: str, role: Role, fleet_id: str | None = None
    ) -> ApiKey:
        """Issue an API key (stored as its hash)."""
        ...

    def list_api_keys(self) -> list[ApiKey]:
        """Every API key, without secrets."""
        ...

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke an API key; False when there is no such active key."""
        ...

    def principal_by_key_hash(self, key_hash: str) -> Principal | None:
        """Whom an active API key stands for."""
        ...

    def add_user(
        self, username: str, password_hash: str, role: Role, fleet_id: str | None = None
    ) -> User:
        """Create a user who signs in with a password (the hash is a scrypt string)."""
        ...

    def user_password_hash(self, username: str) -> tuple[str, Principal] | None:
        """The stored password hash of an enabled user, and whom the user stands for."""
        ...

    def list_users(self) -> list[User]:
        """Every user, without password hashes."""
        ...

    def set_user_disabled(self, username: str, disabled: bool) -> bool:
        """Disable a user (ending their sessions at once) or enable them again; False when
        there is no such user."""
        ...

    def record_signin_failure(self, username: str, lock_after: int) -> bool:
        """Count a failed sign-in of a user; the account is locked at ``lock_after`` in a
        row. Whether it is locked now (False for an unknown user)."""
        ...

    def record_signin_success(self, username: str) -> None:
        """A user signed in: their count of failed sign-ins starts again."""
        ...

    def user_locked(self, username: str) -> bool:
        """Whether a user's account is locked after too many failed sign-ins."""
        ...

    def unlock_user(self, username: str) -> bool:
        """Lift a user's lock-out (and their count of failures); False when there is no
        such user."""
        ...

    def add_session(self, token_hash: str, principal: Principal, expires_at: datetime) -> None:
        """Remember a signed-in session (the cookie's token is stored as its hash)."""
        ...

    def principal_by_session_hash(self, token_hash: str, now: datetime) -> Principal | None:
        """Whom an unexpired session stands for."""
        ...

    def delete_session(self, token_hash: str) -> None:
        """Sign a session out."""
        ...
