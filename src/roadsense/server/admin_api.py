"""``/v1/admin``: provisioning and revocation for admins (API key in the header only).

The same operations as ``roadsense admin ...`` and ``roadsense devices ...``; secrets
(device tokens, API keys) are returned once, when made, and stored only as hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from roadsense.accounts import (
    MIN_PASSWORD_LENGTH,
    PasswordError,
    create_user,
    issue_api_key,
    provision_device,
)
from roadsense.schema.records import Identifier
from roadsense.server.auth import Admin
from roadsense.server.errors import NO_NUL, ApiError
from roadsense.server.state import get_state
from roadsense.store import Role, StoreError

router = APIRouter(prefix="/v1/admin", tags=["admin"])

PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]


class NewFleet(BaseModel):
    """A fleet to register."""

    fleet_id: Identifier
    name: Name


class NewVehicle(BaseModel):
    """A vehicle to register (or move) with a fleet."""

    vehicle_id: Identifier
    fleet_id: Identifier | None = None


class NewDriver(BaseModel):
    """A driver to register with a fleet."""

    driver_id: Identifier
    fleet_id: Identifier
    name: Name


class NewDevice(BaseModel):
    """A gateway to provision for a vehicle."""

    device_id: Identifier
    vehicle_id: Identifier


class DeviceOut(BaseModel):
    """A provisioned gateway; ``token`` only in the answer that made it."""

    device_id: str
    vehicle_id: str
    fleet_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = None


class NewKey(BaseModel):
    """An API key to issue."""

    key_id: Identifier
    role: Role
    fleet_id: Identifier | None = None


class KeyOut(BaseModel):
    """An API key; ``key`` only in the answer that made it."""

    key_id: str
    role: str
    fleet_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = None


class NewUser(BaseModel):
    """A person who signs in with a password."""

    username: Identifier
    password: Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=200, pattern=NO_NUL)]
    role: Role
    fleet_id: Identifier | None = None


class Done(BaseModel):
    """What was done."""

    ok: bool
    message: str


async def _do[T](fn: Callable[..., T], *args: object) -> T:
    """Run a store call off the event loop; a refused change is a 409."""
    try:
        return await run_in_threadpool(fn, *args)
    except StoreError as exc:
        raise ApiError(409, str(exc), code="conflict") from None


@router.post("/fleets", response_model=Done, status_code=201, summary="Register a fleet")
async def add_fleet(body: NewFleet, request: Request, _: Admin) -> Done:
    """Register a taxi company."""
    state = get_state(request)
    await _do(state.store.add_fleet, body.fleet_id, body.name)
    return Done(ok=True, message=f"fleet {body.fleet_id} registered")


@router.post("/vehicles", response_model=Done, status_code=201, summary="Register a vehicle")
async def add_vehicle(body: NewVehicle, request: Request, _: Admin) -> Done:
    """Register a vehicle with a fleet (or move it to another)."""
    state = get_state(request)
    await _do(state.store.add_vehicle, body.vehicle_id, body.fleet_id)
    state.device_cache.clear()
    return Done(ok=True, message=f"vehicle {body.vehicle_id} in fleet {body.fleet_id}")


@router.post("/drivers", response_model=Done, status_code=201, summary="Register a driver")
async def add_driver(body: NewDriver, request: Request, _: Admin) -> Done:
    """Register a driver with a fleet."""
    state = get_state(request)
    await _do(state.store.add_driver, body.driver_id, body.fleet_id, body.name)
    return Done(ok=True, message=f"driver {body.driver_id} registered")


@router.post("/devices", response_model=DeviceOut, status_code=201, summary="Provision a gateway")
async def add_device(body: NewDevice, request: Request, _: Admin) -> DeviceOut:
    """Provision a gateway; the answer carries its token, shown this once."""
    state = get_state(request)
    made = await _do(provision_device, state.store, body.device_id, body.vehicle_id)
    state.device_cache.clear()
    return DeviceOut(**vars(made.device), token=made.token)


@router.get("/devices", response_model=list[DeviceOut], summary="Provisioned gateways")
async def list_devices(request: Request, _: Admin) -> list[DeviceOut]:
    """Every provisioned gateway (without tokens)."""
    rows = await run_in_threadpool(get_state(request).store.list_devices)
    return [DeviceOut(**vars(d)) for d in rows]


@router.delete("/devices/{device_id}", response_model=Done, summary="Revoke a gateway")
async def revoke_device(device_id: PathId, request: Request, _: Admin) -> Done:
    """Revoke a gateway's token; its uploads are refused from then on."""
    state = get_state(request)
    done = await run_in_threadpool(state.store.revoke_device, device_id)
    state.device_cache.clear()
    if not done:
        raise ApiError(404, f"no active device {device_id!r}")
    return Done(ok=True, message=f"device {device_id} revoked")


@router.post("/keys", response_model=KeyOut, status_code=201, summary="Issue an API key")
async def add_key(body: NewKey, request: Request, _: Admin) -> KeyOut:
    """Issue an API key for a role; the answer carries the key, shown this once."""
    state = get_state(request)
    made = await _do(issue_api_key, state.store, body.key_id, body.role, body.fleet_id)
    return KeyOut(**vars(made.key), key=made.secret)


@router.get("/keys", response_model=list[KeyOut], summary="API keys (without secrets)")
async def list_keys(request: Request, _: Admin) -> list[KeyOut]:
    """Every API key, without secrets."""
    rows = await run_in_threadpool(get_state(request).store.list_api_keys)
    return [KeyOut(**vars(k)) for k in rows]


@router.delete("/keys/{key_id}", response_model=Done, summary="Revoke an API key")
async def revoke_key(key_id: PathId, request: Request, _: Admin) -> Done:
    """Revoke an API key and end its sessions."""
    state = get_state(request)
    done = await run_in_threadpool(state.store.revoke_api_key, key_id)
    state.key_cache.clear()
    if not done:
        raise ApiError(404, f"no active API key {key_id!r}")
    return Done(ok=True, message=f"API key {key_id} revoked")


@router.post("/users", response_model=Done, status_code=201, summary="Create a user")
async def add_user(body: NewUser, request: Request, _: Admin) -> Done:
    """Create a person who signs in to the dashboard with a password."""
    state = get_state(request)
    try:
        await _do(create_user, state.store, body.username, body.password, body.role, body.fleet_id)
    except PasswordError as exc:
        raise ApiError(422, str(exc), code="validation_error") from None
    return Done(ok=True, message=f"user {body.username} created")


class UserOut(BaseModel):
    """A user, without the password hash."""

    username: str
    role: str
    fleet_id: str | None
    created_at: datetime
    disabled_at: datetime | None
    locked_at: datetime | None


@router.get("/users", response_model=list[UserOut], summary="Users (without passwords)")
async def list_users(request: Request, _: Admin) -> list[UserOut]:
    """Every user, with whether they are disabled or locked out."""
    rows = await run_in_threadpool(get_state(request).store.list_users)
    return [UserOut(**vars(u)) for u in rows]


@router.post("/users/{username}/disable", response_model=Done, summary="Disable a user")
async def disable_user(username: PathId, request: Request, _: Admin) -> Done:
    """Disable a user: they cannot sign in, and their sessions end at once."""
    if not await run_in_threadpool(get_state(request).store.set_user_disabled, username, True):
        raise ApiError(404, f"no user {username!r}")
    return Done(ok=True, message=f"user {username} disabled; their sessions ended")


@router.post("/users/{username}/enable", response_model=Done, summary="Enable a user again")
async def enable_user(username: PathId, request: Request, _: Admin) -> Done:
    """Let a disabled user sign in again."""
    if not await run_in_threadpool(get_state(request).store.set_user_disabled, username, False):
        raise ApiError(404, f"no user {username!r}")
    return Done(ok=True, message=f"user {username} enabled")


@router.post("/users/{username}/unlock", response_model=Done, summary="Unlock a user")
async def unlock_user(username: PathId, request: Request, _: Admin) -> Done:
    """Lift a lock-out after too many failed sign-ins (and this process's throttle)."""
    state = get_state(request)
    if not await run_in_threadpool(state.store.unlock_user, username):
        raise ApiError(404, f"no user {username!r}")
    state.signin_throttle.clear(f"user:{username}")
    return Done(ok=True, message=f"user {username} unlocked")
