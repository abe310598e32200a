"""Signing in to the dashboard: ``POST /v1/session`` sets a session cookie.

A person signs in with an API key or a username and password; the server answers with
a random session token in an HttpOnly, SameSite=Strict cookie (stored as its hash, with
an expiry), which the dashboard's requests then carry. ``/signin`` is the page for it;
``/signin#key=<API key>`` signs in at once (the fragment never reaches the server's logs).
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from roadsense.accounts import PasswordError, hash_token, verify_password
from roadsense.server.auth import SESSION_COOKIE, authenticate_person
from roadsense.server.errors import NO_NUL, ApiError
from roadsense.server.state import AppState, get_state
from roadsense.store import Principal

router = APIRouter(tags=["session"])


class SignIn(BaseModel):
    """An API key, or a username and password."""

    api_key: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)] | None = None
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] | None = None
    password: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> SignIn:
        if (self.api_key is None) == (self.username is None or self.password is None):
            raise ValueError("give either api_key, or username and password")
        return self


class Whoami(BaseModel):
    """Whom the credential stands for."""

    name: str
    kind: str
    role: str
    fleet_id: str | None


def _whoami(who: Principal) -> Whoami:
    return Whoami(name=who.name, kind=who.kind, role=who.role, fleet_id=who.fleet_id)


def _check(state: AppState, form: SignIn) -> Principal | None:
    if form.api_key is not None:
        return state.store.principal_by_key_hash(hash_token(form.api_key))
    found = state.store.user_password_hash(form.username or "")
    if found is None:
        # the same work as a real check, so that timing does not tell who exists
        verify_password(form.password or "", _DUMMY_HASH)
        return None
    stored, who = found
    try:
        return who if verify_password(form.password or "", stored) else None
    except PasswordError:
        return None


async def _throttled_check(state: AppState, form: SignIn, address: str) -> Principal:
    """Whom the credential stands for; 401, 403 (locked) or 429 (throttled) otherwise."""
    throttle = state.signin_throttle
    username = form.username if form.api_key is None else None
    keys = [f"addr:{address}"] + ([f"user:{username}"] if username is not None else [])
    store = state.store
    if username is not None and await run_in_threadpool(store.user_locked, username):
        raise _locked()
    wait = throttle.retry_after(keys)
    if wait is not None:
        if username is not None and await run_in_threadpool(
            store.record_signin_failure, username, state.settings.signin_lockout_after
        ):
            raise _locked()
        raise ApiError(
            429,
            "too many failed sign-ins; try again later",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    who = await run_in_threadpool(_check, state, form)
    if who is None:
        throttle.failed(keys)
        if username is not None:
            await run_in_threadpool(
                store.record_signin_failure, username, state.settings.signin_lockout_after
            )
        raise ApiError(401, "wrong API key, username or password")
    if username is not None:
        throttle.clear(f"user:{username}")
        await run_in_threadpool(store.record_signin_success, username)
    return who


def _locked() -> ApiError:
    return ApiError(
        403,
        "this account is locked after too many failed sign-ins; an admin can unlock it",
        code="account_locked",
    )


_DUMMY_HASH = (
    "scrypt$16384$8$1$00000000000000000000000000000000$"
    "0000000000000000000000000000000000000000000000000000000000000000"
)


@router.post(
    "/v1/session",
    response_model=Whoami,
    summary="Sign in: set the dashboard's session cookie",
    responses={
        401: {"description": "wrong API key, username or password"},
        403: {"description": "the account is locked after too many failed sign-ins"},
        429: {"description": "too many failed sign-ins; retry after Retry-After seconds"},
    },
)
async def sign_in(form: SignIn, request: Request) -> Response:
    """Check the credential and start a session (cookie ``roadsense_session``).

    Failed sign-ins are throttled per account and per client address (429 with
    ``Retry-After``); an account refused ``signin_lockout_after`` times in a row is locked
    until an admin unlocks it.
    """
    state = get_state(request)
    who = await _throttled_check(state, form, request.client.host if request.client else "")
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=state.settings.session_hours)
    await run_in_threadpool(state.store.add_session, hash_token(token), who, expires)
    response = JSONResponse(_whoami(who).model_dump())
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(state.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
        path="/",
    )
    return response


@router.get("/v1/session", response_model=Whoami, summary="Whom the credential stands for")
async def whoami(who: Annotated[Principal, Depends(authenticate_person)]) -> Whoami:
    """The signed-in person's name, role and fleet."""
    return _whoami(who)


@router.delete("/v1/session", status_code=204, summary="Sign out")
async def sign_out(request: Request) -> Response:
    """End the session of the cookie, if any."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(get_state(request).store.delete_session, hash_token(cookie))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signin", include_in_schema=False)
async def signin_page() -> HTMLResponse:
    """A small form that signs in and goes to the dashboard."""
    return HTMLResponse(SIGNIN_PAGE, headers={"Cache-Control": "no-store"})


SIGNIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>roadsense: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
 label{display:block;margin-top:.8rem} input{width:100%;padding:.4rem;box-sizing:border-box}
 button{margin-top:1rem;padding:.5rem 1.2rem} #error{color:#b00020;min-height:1.5em}
 fieldset{border:1px solid #ccc;margin-top:1rem}
</style></head>
<body><h1>roadsense</h1>
<form id="form">
 <fieldset><legend>With an API key</legend>
  <label>API key <input id="api_key" name="api_key" autocomplete="off"></label></fieldset>
 <fieldset><legend>Or with a username and password</legend>
  <label>Username <input id="username" name="username" autocomplete="username"></label>
  <label>Password <input id="password" name="password" type="password"
   autocomplete="current-password"></label></fieldset>
 <button type="submit">Sign in</button>
 <p id="error" role="alert"></p>
</form>
<script src="/static/signin.js"></script>
</body></html>
"""
