"""Device tokens: made once, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from roadsense.server.errors import ApiError
from roadsense.store import Device, Store


def new_token() -> str:
    """A fresh random device token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def pseudonym(key: str, vehicle_id: str) -> str:
    """A stable pseudonym for a vehicle, not reversible without the key."""
    digest = hmac.new(key.encode("utf-8"), vehicle_id.encode("utf-8"), hashlib.sha256)
    return "veh-" + digest.hexdigest()[:10]


def authenticate_device(request: Request, store: Store) -> Device:
    """The device whose bearer token the request carries; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "a device token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    device = store.device_by_token_hash(hash_token(token.strip()))
    if device is None:
        raise ApiError(
            401, "unknown or revoked device token", headers={"WWW-Authenticate": "Bearer"}
        )
    return device
