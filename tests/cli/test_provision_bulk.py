"""``roadsense devices provision-bulk``: a CSV in, tokens out (0600), all or none (both stores)."""

from __future__ import annotations

import csv
import stat
from collections.abc import Sequence
from pathlib import Path

from typer.testing import CliRunner

from roadsense.accounts import hash_token
from roadsense.cli.main import app
from roadsense.store import open_store

runner = CliRunner()
N = 300


def _devices_csv(path: Path, rows: Sequence[tuple[str, ...]], header: str) -> Path:
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_bulk_provisioning_writes_working_tokens_only_its_owner_can_read(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url) as db:
        db.add_fleet("f1", "Fleet One")
        db.add_fleet("f2", "Fleet Two")
        db.add_vehicle("taxi-0", None)  # registered already, without a fleet: moved to f1
    rows = [(f"gw-{i}", f"taxi-{i}", "f1" if i % 2 == 0 else "f2") for i in range(N)]
    rows.append(("gw-spare", "taxi-1", ""))  # a second gateway in a vehicle; no fleet given
    devices = _devices_csv(tmp_path / "devices.csv", rows, "device_id,vehicle_id,fleet_id")
    out = tmp_path / "tokens.csv"
    result = runner.invoke(
        app, ["devices", "provision-bulk", str(devices), "--out", str(out), "--store", store_url]
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as f:
        tokens = list(csv.DictReader(f))
    assert [t["device_id"] for t in tokens] == [r[0] for r in rows]
    assert len({t["token"] for t in tokens}) == len(rows)
    with open_store(store_url) as db:
        for t in tokens[:20] + tokens[-2:]:
            device = db.device_by_token_hash(hash_token(t["token"]))
            assert device is not None
            assert (device.device_id, device.vehicle_id) == (t["device_id"], t["vehicle_id"])
        fleets = {v.vehicle_id: v.fleet_id for v in db.list_vehicles()}
        assert len(db.list_devices()) == N + 1
    assert fleets["taxi-0"] == "f1"
    assert fleets["taxi-1"] == "f2"
    assert len(fleets) == N


def test_bulk_provisioning_is_all_or_none(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as db:
        db.add_fleet("f1", "Fleet One")
        db.add_device("gw-7", "taxi-7", hash_token("already-there"))
    rows = [(f"gw-{i}", f"taxi-{i}") for i in range(20)]
    devices = _devices_csv(tmp_path / "devices.csv", rows, "device_id,vehicle_id")
    out = tmp_path / "tokens.csv"
    args = ["devices", "provision-bulk", str(devices), "--out", str(out), "--store", store_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "already provisioned: 'gw-7'" in result.output
    assert not out.exists()
    with open_store(store_url) as db:
        assert [d.device_id for d in db.list_devices()] == ["gw-7"]


def test_bad_rows_and_unknown_fleets_are_named(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "tokens.csv"
    bad = _devices_csv(
        tmp_path / "bad.csv", [("gw-1", "taxi 1"), ("", "taxi-2")], "device_id,vehicle_id"
    )
    result = runner.invoke(
        app, ["devices", "provision-bulk", str(bad), "--out", str(out), "--store", store_url]
    )
    assert result.exit_code == 2
    assert "line 2: vehicle_id 'taxi 1' is not an id" in result.output
    assert "line 3: empty device_id" in result.output
    fleetless = _devices_csv(
        tmp_path / "f.csv", [("gw-1", "taxi-1", "nope")], "device_id,vehicle_id,fleet_id"
    )
    result = runner.invoke(
        app, ["devices", "provision-bulk", str(fleetless), "--out", str(out), "--store", store_url]
    )
    assert result.exit_code == 2
    assert "no such fleet: 'nope'" in result.output
    assert not out.exists()
    twice = _devices_csv(
        tmp_path / "t.csv", [("gw-1", "taxi-1"), ("gw-1", "taxi-2")], "device_id,vehicle_id"
    )
    result = runner.invoke(
        app, ["devices", "provision-bulk", str(twice), "--out", str(out), "--store", store_url]
    )
    assert result.exit_code == 2
    assert "device id given more than once: 'gw-1'" in result.output
