"""Provisioning: gateways, API keys and users, with their secrets made and hashed here.

The admin API (``/v1/admin``), ``roadsense devices``, ``roadsense admin`` and the demo's
fleet all provision through these functions, so a secret is made, hashed and stored the
same way whoever asks. A secret is returned once, to be shown once; the store keeps only
its hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadsense.accounts.passwords import hash_password
from roadsense.accounts.tokens import hash_token, new_api_key, new_token
from roadsense.errors import RoadsenseError
from roadsense.store import ROLES, ApiKey, Device, Role, Store, User


class AccountError(RoadsenseError, ValueError):
    """A request for an account that cannot be met as asked (an unknown role ...)."""


@dataclass(frozen=True)
class IssuedDevice:
    """A provisioned gateway and its token (shown once; only its hash is stored)."""

    device: Device
    token: str


@dataclass(frozen=True)
class IssuedKey:
    """An issued API key and its secret (shown once; only its hash is stored)."""

    key: ApiKey
    secret: str


def parse_role(value: str) -> Role:
    """``value`` as a role; :class:`AccountError` when it is none of ``ROLES``."""
    for role in ROLES:
        if value == role:
            return role
    raise AccountError(f"unknown role {value!r}; one of {', '.join(ROLES)}")


def provision_device(
    store: Store, device_id: str, vehicle_id: str, *, fleet_id: str | None = None
) -> IssuedDevice:
    """Provision a gateway for a vehicle (registering the vehicle with ``fleet_id`` first
    when given) and make its token."""
    if fleet_id is not None:
        store.add_vehicle(vehicle_id, fleet_id)
    token = new_token()
    return IssuedDevice(store.add_device(device_id, vehicle_id, hash_token(token)), token)


def issue_api_key(store: Store, key_id: str, role: Role, fleet_id: str | None = None) -> IssuedKey:
    """Issue an API key for ``role`` (of ``fleet_id`` for a fleet operator)."""
    secret = new_api_key()
    return IssuedKey(store.add_api_key(key_id, hash_token(secret), role, fleet_id), secret)


def create_user(
    store: Store, username: str, password: str, role: Role, fleet_id: str | None = None
) -> User:
    """Create a person who signs in with ``password`` (checked, then kept as a scrypt
    hash); :class:`~roadsense.accounts.passwords.PasswordError` for a weak password."""
    return store.add_user(username, hash_password(password), role, fleet_id)
