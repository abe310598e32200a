"""``roadsense devices``: provision, list and revoke gateways."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.accounts import provision_device
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption
from roadsense.cli.store import store_location as _store_location
from roadsense.store import open_store

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("add")
def add(
    device_id: str = typer.Argument(..., help="Id of the gateway, e.g. gw-0001."),
    vehicle: str = typer.Option(..., "--vehicle", help="Vehicle the gateway is fitted to."),
    fleet: str | None = typer.Option(
        None, "--fleet", help="Register the vehicle with this fleet first."
    ),
    store: str | None = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Provision a gateway and print its token (shown once; only its hash is kept)."""
    with open_store(_store_location(store)) as db:
        token = provision_device(db, device_id, vehicle, fleet_id=fleet).token
    if as_json:
        typer.echo(json.dumps({"device_id": device_id, "vehicle_id": vehicle, "token": token}))
    else:
        console.print(f"device [bold]{device_id}[/] for vehicle [bold]{vehicle}[/]")
        console.print(f"token (store it on the gateway now; it is not shown again):\n{token}")


@app.command("list")
def list_devices(store: str | None = StoreOption) -> None:
    """List provisioned gateways."""
    with open_store(_store_location(store)) as db:
        devices = db.list_devices()
    table = Table("device", "vehicle", "fleet", "provisioned", "revoked")
    for d in devices:
        table.add_row(
            d.device_id,
            d.vehicle_id,
            d.fleet_id or "",
            d.created_at.isoformat(timespec="seconds"),
            d.revoked_at.isoformat(timespec="seconds") if d.revoked_at else "",
        )
    console.print(table)


@app.command("revoke")
def revoke(device_id: str = typer.Argument(...), store: str | None = StoreOption) -> None:
    """Revoke a gateway's token; its uploads are refused from then on."""
    with open_store(_store_location(store)) as db:
        done = db.revoke_device(device_id)
    if not done:
        fail(f"no active device {device_id!r}")
    console.print(f"revoked {device_id}")


@app.command("provision-bulk")
def provision_bulk(
    devices: Path = typer.Argument(
        ..., help="CSV with columns device_id, vehicle_id and optionally fleet_id."
    ),
    out: Path = typer.Option(
        ..., "--out", help="New CSV for device_id, vehicle_id, token (written with mode 0600)."
    ),
    store: str | None = StoreOption,
) -> None:
    """Provision many gateways at once (all or none) and write their tokens to a file."""
    from roadsense.accounts.bulk import open_token_file, provision_devices, read_device_csv

    rows = read_device_csv(devices)
    if not rows:
        fail(f"{devices}: no devices in it")
    with open_store(_store_location(store)) as db, open_token_file(out) as tokens:
        try:
            added = provision_devices(db, rows, tokens)
        except BaseException:
            tokens.close()
            out.unlink(missing_ok=True)
            raise
    console.print(
        f"{added} devices provisioned; their tokens are in {out} (readable only by you: "
        "load them onto the gateways, then delete the file)"
    )
