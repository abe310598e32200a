"""``roadsense admin``: fleets, vehicles, drivers, API keys and users.

The same operations as the admin API (``/v1/admin``). On a DuckDB store run them while
the server is stopped (one process holds the file); on PostgreSQL at any time.
"""

from __future__ import annotations

import json
import os

import typer
from rich.console import Console
from rich.table import Table

from roadsense.accounts import create_user, issue_api_key, parse_role
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.store import ROLES, open_store

app = typer.Typer(no_args_is_help=True)
console = Console()

RoleOption = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}.")
FleetOption = typer.Option(None, "--fleet", help="The fleet (for fleet operators).")


@app.command("add-fleet")
def add_fleet(
    fleet_id: str = typer.Argument(..., help="Id of the fleet, e.g. daegu-taxi-01."),
    name: str = typer.Option(..., "--name", help="The company's name."),
    store: str | None = StoreOption,
) -> None:
    """Register a fleet (a taxi company)."""
    with open_store(store_location(store)) as db:
        db.add_fleet(fleet_id, name)
    console.print(f"fleet {fleet_id} registered")


@app.command("add-vehicle")
def add_vehicle(
    vehicle_id: str = typer.Argument(...),
    fleet: str | None = FleetOption,
    store: str | None = StoreOption,
) -> None:
    """Register a vehicle with a fleet (or move it to another)."""
    with open_store(store_location(store)) as db:
        db.add_vehicle(vehicle_id, fleet)
    console.print(f"vehicle {vehicle_id} in fleet {fleet}")


@app.command("add-driver")
def add_driver(
    driver_id: str = typer.Argument(...),
    fleet: str = typer.Option(..., "--fleet"),
    name: str = typer.Option(..., "--name"),
    store: str | None = StoreOption,
) -> None:
    """Register a driver with a fleet."""
    with open_store(store_location(store)) as db:
        db.add_driver(driver_id, fleet, name)
    console.print(f"driver {driver_id} registered with {fleet}")


@app.command("list-fleets")
def list_fleets(store: str | None = StoreOption) -> None:
    """Fleets with their vehicles and drivers counted."""
    with open_store(store_location(store)) as db:
        table = Table("fleet", "name", "vehicles", "drivers")
        for f in db.list_fleets():
            table.add_row(
                f.fleet_id,
                f.name,
                str(len(db.list_vehicles(f.fleet_id))),
                str(len(db.list_drivers(f.fleet_id))),
            )
    console.print(table)


@app.command("add-key")
def add_key(
    key_id: str = typer.Argument(..., help="A name for the key, e.g. city-analyst-1."),
    role: str = RoleOption,
    fleet: str | None = FleetOption,
    store: str | None = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Issue an API key and print it (shown once; only its hash is kept)."""
    with open_store(store_location(store)) as db:
        key = issue_api_key(db, key_id, parse_role(role), fleet).secret
    if as_json:
        typer.echo(json.dumps({"key_id": key_id, "role": role, "fleet_id": fleet, "key": key}))
    else:
        console.print(f"API key [bold]{key_id}[/] ({role}{' of ' + fleet if fleet else ''}):")
        console.print(key, soft_wrap=True, markup=False, highlight=False)


@app.command("list-keys")
def list_keys(store: str | None = StoreOption) -> None:
    """API keys, without their secrets."""
    with open_store(store_location(store)) as db:
        keys = db.list_api_keys()
    table = Table("key", "role", "fleet", "issued", "revoked")
    for k in keys:
        table.add_row(
            k.key_id,
            k.role,
            k.fleet_id or "",
            k.created_at.isoformat(timespec="seconds"),
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
        )
    console.print(table)


@app.command("revoke-key")
def revoke_key(key_id: str = typer.Argument(...), store: str | None = StoreOption) -> None:
    """Revoke an API key and end its sessions."""
    with open_store(store_location(store)) as db:
        done = db.revoke_api_key(key_id)
    if not done:
        fail(f"no active API key {key_id!r}")
    console.print(f"revoked {key_id}")


@app.command("add-user")
def add_user(
    username: str = typer.Argument(...),
    role: str = RoleOption,
    fleet: str | None = FleetOption,
    store: str | None = StoreOption,
) -> None:
    """Create a person who signs in with a password (asked for, or ROADSENSE_NEW_PASSWORD)."""
    password = os.environ.get("ROADSENSE_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    with open_store(store_location(store)) as db:
        create_user(db, username, password, parse_role(role), fleet)
    console.print(f"user {username} ({role}) created")


@app.command("list-users")
def list_users(store: str | None = StoreOption) -> None:
    """Users, with whether they are disabled or locked out."""
    with open_store(store_location(store)) as db:
        users = db.list_users()
    table = Table("user", "role", "fleet", "created", "disabled", "locked")
    for u in users:
        table.add_row(
            u.username,
            u.role,
            u.fleet_id or "",
            u.created_at.isoformat(timespec="seconds"),
            u.disabled_at.isoformat(timespec="seconds") if u.disabled_at else "",
            u.locked_at.isoformat(timespec="seconds") if u.locked_at else "",
        )
    console.print(table)


@app.command("disable-user")
def disable_user(username: str = typer.Argument(...), store: str | None = StoreOption) -> None:
    """Disable a user: they cannot sign in, and their sessions end at once."""
    with open_store(store_location(store)) as db:
        done = db.set_user_disabled(username, True)
    if not done:
        fail(f"no user {username!r}")
    console.print(f"user {username} disabled; their sessions ended")


@app.command("enable-user")
def enable_user(username: str = typer.Argument(...), store: str | None = StoreOption) -> None:
    """Let a disabled user sign in again."""
    with open_store(store_location(store)) as db:
        done = db.set_user_disabled(username, False)
    if not done:
        fail(f"no user {username!r}")
    console.print(f"user {username} enabled")


@app.command("unlock-user")
def unlock_user(username: str = typer.Argument(...), store: str | None = StoreOption) -> None:
    """Lift a user's lock-out after too many failed sign-ins."""
    with open_store(store_location(store)) as db:
        done = db.unlock_user(username)
    if not done:
        fail(f"no user {username!r}")
    console.print(f"user {username} unlocked")
