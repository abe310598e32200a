"""The ``roadsense`` command: help, device provisioning, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from roadsense.accounts import hash_token
from roadsense.cli.main import app
from roadsense.store import open_store

runner = CliRunner()


def test_help_lists_every_subcommand_with_a_description() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "sim", "devices"):
        line = next(ln for ln in result.output.splitlines() if f" {command} " in ln)
        assert len(line.split(command, 1)[1].strip()) > 10, line


def test_devices_add_list_revoke(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    added = runner.invoke(
        app, ["devices", "add", "gw-7", "--vehicle", "taxi-7", "--store", db, "--json"]
    )
    assert added.exit_code == 0, added.output
    token = json.loads(added.output)["token"]
    with open_store(db) as store:
        device = store.device_by_token_hash(hash_token(token))
    assert device is not None
    assert device.vehicle_id == "taxi-7"
    listed = runner.invoke(app, ["devices", "list", "--store", db])
    assert "gw-7" in listed.output
    assert token not in listed.output
    again = runner.invoke(app, ["devices", "add", "gw-7", "--vehicle", "taxi-7", "--store", db])
    assert again.exit_code == 2
    assert "already provisioned" in again.output
    assert runner.invoke(app, ["devices", "revoke", "gw-7", "--store", db]).exit_code == 0
    gone = runner.invoke(app, ["devices", "revoke", "gw-7", "--store", db])
    assert gone.exit_code == 2
    assert "no active device" in gone.output


def test_missing_roads_file_is_a_clear_error(tmp_path: Path) -> None:
    for command in (["sim"], ["demo", "--no-serve"], ["serve"]):
        result = runner.invoke(app, [*command, "--roads", str(tmp_path / "missing.osm.pbf")])
        assert result.exit_code == 2
        assert "OSM file not found" in result.output
