"""Sign-in throttling and lock-out, admin unlock, and disabled users (both stores)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from roadsense.accounts import create_user
from roadsense.server.app import create_app
from roadsense.store import Principal, open_store
from tests.server.conftest import as_role, provision, settings_for

PASSWORD = "correct horse battery staple"
LOCK_AFTER = 50


@pytest.fixture
def app_and_store(store_url: str) -> Iterator[tuple[TestClient, str]]:
    with open_store(store_url) as db:
        provision(db)
        create_user(db, "mina", PASSWORD, "analyst")
    app = create_app(
        settings_for(
            store_url,
            signin_failures_per_account=5,
            signin_failures_per_address=20,
            signin_lockout_after=LOCK_AFTER,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, store_url


def _sign_in(c: TestClient, password: str, user: str = "mina") -> int:
    return c.post("/v1/session", json={"username": user, "password": password}).status_code


def test_many_wrong_passwords_are_throttled_then_lock_the_account(
    app_and_store: tuple[TestClient, str],
) -> None:
    c, _ = app_and_store
    answers = [
        c.post("/v1/session", json={"username": "mina", "password": f"wrong-{i}"})
        for i in range(140)
    ]
    statuses = [r.status_code for r in answers]
    assert statuses[:5] == [401] * 5
    throttled = [r for r in answers if r.status_code == 429]
    assert throttled, "no sign-in was throttled"
    assert all(int(r.headers["retry-after"]) >= 1 for r in throttled)
    assert statuses[-1] == 403
    assert answers[-1].json()["error"]["code"] == "account_locked"
    assert statuses.index(403) <= LOCK_AFTER
    # the right password is refused while the account is locked
    assert _sign_in(c, PASSWORD) == 403

    assert c.post("/v1/admin/users/mina/unlock", headers=as_role("admin")).status_code == 200
    users = {u["username"]: u for u in c.get("/v1/admin/users", headers=as_role("admin")).json()}
    assert users["mina"]["locked_at"] is None
    # from another address (this one is still throttled for the window)
    with TestClient(c.app, client=("192.0.2.7", 50000)) as other:
        assert _sign_in(other, PASSWORD) == 200


def test_an_address_is_throttled_across_accounts(app_and_store: tuple[TestClient, str]) -> None:
    c, _ = app_and_store
    statuses = [_sign_in(c, "wrong", user=f"nobody-{i}") for i in range(25)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    with TestClient(c.app, client=("192.0.2.8", 50000)) as other:
        assert _sign_in(other, PASSWORD) == 200


def test_the_cli_unlocks_an_account(app_and_store: tuple[TestClient, str]) -> None:
    c, store_url = app_and_store
    for i in range(LOCK_AFTER):
        _sign_in(c, f"wrong-{i}")
    with open_store(store_url) as db:
        assert db.user_locked("mina")
        assert db.unlock_user("mina")
        assert not db.user_locked("mina")
        assert not db.unlock_user("nobody")


def test_a_disabled_users_session_ends_at_once(app_and_store: tuple[TestClient, str]) -> None:
    c, _ = app_and_store
    assert _sign_in(c, PASSWORD) == 200
    assert c.get("/v1/session").status_code == 200
    admin = as_role("admin")
    assert c.post("/v1/admin/users/mina/disable", headers=admin).status_code == 200
    assert c.get("/v1/session").status_code == 401
    assert _sign_in(c, PASSWORD) == 401
    assert c.post("/v1/admin/users/nobody/disable", headers=admin).status_code == 404
    assert c.post("/v1/admin/users/mina/enable", headers=admin).status_code == 200
    assert _sign_in(c, PASSWORD) == 200


def test_the_session_lookup_honours_disabled_at(store_url: str) -> None:
    """A session whose user is disabled is not honoured, even if it was not deleted."""
    with open_store(store_url) as db:
        create_user(db, "jun", PASSWORD, "analyst")
        now = datetime.now(UTC)
        db.add_session("h-1", Principal("jun", "analyst", None, "user"), now + timedelta(hours=1))
        assert db.principal_by_session_hash("h-1", now) is not None
        assert db.set_user_disabled("jun", True)
        db.add_session("h-2", Principal("jun", "analyst", None, "user"), now + timedelta(hours=1))
        assert db.principal_by_session_hash("h-1", now) is None
        assert db.principal_by_session_hash("h-2", now) is None
        assert [u.disabled_at is not None for u in db.list_users()] == [True]
