"""Who is calling: devices by their token, people by API key or signed-in session.

- A device sends ``Authorization: Bearer <device token>`` and may only upload, as itself.
- A person (or a script acting for one) sends ``Authorization: Bearer <API key>``, or
  the dashboard's session cookie after signing in (``POST /v1/session``). Roles: ``admin``
  (everything), ``analyst`` (reads everything, drivers and vehicles pseudonymized),
  ``fleet_operator`` (reads its own fleet's vehicles, drivers and events only).
- The cookie is accepted for reads (GET) only; anything that changes state needs the
  ``Authorization`` header, so a page on another site cannot act for a signed-in user.

Tokens and keys are made and hashed in :mod:`roadsense.accounts`; checked credentials
are cached for ``credential_cache_s`` seconds, which bounds how long a
revoked one keeps working on other processes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from roadsense.accounts import hash_token
from roadsense.server.cache import TtlCache
from roadsense.server.errors import ApiError
from roadsense.server.state import AppState, get_state
from roadsense.store import Device, Principal, Role, StoreError

log = logging.getLogger(__name__)

SESSION_COOKIE = "roadsense_session"
PEOPLE_ROLES: tuple[Role, ...] = ("admin", "analyst", "fleet_operator")


def pseudonym(key: str, vehicle_id: str, prefix: str = "veh-") -> str:
    """A stable pseudonym for a vehicle (or driver), not reversible without the key."""
    digest = hmac.new(key.encode("utf-8"), vehicle_id.encode("utf-8"), hashlib.sha256)
    return prefix + digest.hexdigest()[:10]


def _bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without a header."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "the Authorization header must be 'Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


async def _cached[T](cache: TtlCache[T], key: str, lookup: Callable[[str], T | None]) -> T | None:
    found, value = cache.get(key)
    if found:
        return value
    value = await run_in_threadpool(lookup, key)
    cache.put(key, value)
    return value


async def authenticate_device(authorization: str | None, state: AppState) -> Device:
    """The device whose token the ``Authorization`` header carries; 401 otherwise."""
    token = _bearer(authorization)
    if token is None:
        raise ApiError(
            401,
            "a device token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    device = await _cached(state.device_cache, hash_token(token), state.store.device_by_token_hash)
    if device is None:
        raise ApiError(
            401, "unknown or revoked device token", headers={"WWW-Authenticate": "Bearer"}
        )
    return device


async def keep_devices_loaded(state: AppState) -> None:
    """Load every active device into the credential cache, again before entries expire.

    A city's gateways all upload within seconds of each other; answering each one's first
    upload from memory rather than with a database query is what lets one small machine
    carry the fleet. A revoked device drops out at the next load (within
    ``credential_cache_s``); one provisioned in between is looked up in the store.
    """
    ttl = state.settings.credential_cache_s
    if ttl <= 0:
        return
    while True:
        try:
            devices = await run_in_threadpool(state.store.active_devices)
            state.device_cache.put_many(devices)
        except StoreError:
            log.warning("could not load the devices; looking them up one by one")
        await asyncio.sleep(ttl * 0.8)


async def authenticate_person(request: Request) -> Principal:
    """Whom the request's API key or session cookie stands for; 401 otherwise."""
    state = get_state(request)
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        who = await _cached(state.key_cache, hash_token(token), state.store.principal_by_key_hash)
        if who is None:
            raise ApiError(
                401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
            )
        return who
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        if request.method not in ("GET", "HEAD"):
            raise ApiError(
                403, "changes need an API key in the Authorization header, not a session cookie"
            )
        who = await session_principal(state, cookie)
        if who is not None:
            return who
        raise ApiError(401, "the session has expired or was signed out; sign in again")
    raise ApiError(
        401,
        "a credential is required: Authorization: Bearer <API key>, or sign in at /signin",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def session_principal(state: AppState, cookie: str) -> Principal | None:
    """Whom a session cookie stands for, if it is valid now."""
    return await run_in_threadpool(
        state.store.principal_by_session_hash, hash_token(cookie), datetime.now(UTC)
    )


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting people with one of ``roles``; 403 for the others."""

    async def check(who: Annotated[Principal, Depends(authenticate_person)]) -> Principal:
        if who.role not in roles:
            raise ApiError(403, f"role {who.role!r} may not do this; it needs {' or '.join(roles)}")
        return who

    return check


Reader = Annotated[Principal, Depends(require(*PEOPLE_ROLES))]
"""Any signed-in person; read routes take :data:`roadsense.server.scope.ReadScope` instead."""
Admin = Annotated[Principal, Depends(require("admin"))]
Analyst = Annotated[Principal, Depends(require("admin", "analyst"))]
