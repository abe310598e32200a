"""Running it: metrics, structured logs, readiness, scheduled retention, refusing to start
with default secrets."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from roadsense.accounts import hash_token
from roadsense.cli.main import app as cli
from roadsense.server.app import create_app
from roadsense.server.logs import JsonFormatter
from roadsense.server.settings import Settings
from roadsense.store import open_store
from tests.backends import PgCluster
from tests.factories import batch, event, track
from tests.server.conftest import ANALYST, OTHER_TOKEN, TOKEN, auth, provision, settings_for


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus's text format."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        sample, _, label_text = key.partition("{")
        found = dict(
            pair.split("=", 1) for pair in label_text.rstrip("}").split(",") if "=" in pair
        )
        if sample == name and {k: v.strip('"') for k, v in found.items()} == labels:
            return float(value)
    raise AssertionError(f"no {name}{labels} in the metrics")


def test_metrics_count_ingest_rejects_latency_and_last_seen(client: TestClient) -> None:
    good = batch([*track("taxi-1", 5), event("taxi-1")], "gw-1").model_dump_json()
    assert client.post("/v1/batches", content=good, headers=auth(TOKEN)).status_code == 200
    assert client.post("/v1/batches", content=good, headers=auth(TOKEN)).status_code == 200
    assert client.post("/v1/batches", content="{}", headers=auth(TOKEN)).status_code == 422
    assert client.post("/v1/batches", content=good, headers=auth("nope")).status_code == 401
    assert client.post("/v1/batches", content=good, headers=auth(OTHER_TOKEN)).status_code == 403
    text = client.get("/metrics", headers=ANALYST).text
    assert metric(text, "roadsense_ingest_batches_total", status="stored") == 1
    assert metric(text, "roadsense_ingest_batches_total", status="duplicate") == 1
    assert metric(text, "roadsense_ingest_records_total", kind="position") == 5
    assert metric(text, "roadsense_ingest_records_total", kind="event") == 1
    for reason, n in (("invalid", 1), ("unauthorized", 1), ("forbidden", 1), ("busy", 0)):
        assert metric(text, "roadsense_ingest_rejects_total", reason=reason) == n
    assert (
        metric(
            text,
            "roadsense_http_request_duration_seconds_count",
            route="/v1/batches",
            method="POST",
        )
        == 5
    )
    assert metric(text, "roadsense_write_queue_depth") == 0
    assert metric(text, "roadsense_write_queue_capacity") > 0
    seen = metric(text, "roadsense_device_last_seen_timestamp_seconds", device="gw-1")
    assert abs(seen - time.time()) < 120


def test_access_log_lines_are_json(store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with open_store(store_url) as db:
        provision(db)
    app = create_app(settings_for(store_url, access_log=True))
    with caplog.at_level(logging.INFO, logger="roadsense.access"), TestClient(app) as c:
        body = batch(track("taxi-1", 2), "gw-1").model_dump_json()
        assert c.post("/v1/batches", content=body, headers=auth(TOKEN)).status_code == 200
    records = [r for r in caplog.records if r.name == "roadsense.access"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["level"] == "info"
    assert (line["method"], line["route"], line["status"], line["device"]) == (
        "POST",
        "/v1/batches",
        200,
        "gw-1",
    )
    assert line["ms"] > 0


def test_production_refuses_default_or_weak_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="PSEUDONYM_KEY must be set"):
        Settings(environment="production", cookie_secure=True)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment="production", pseudonym_key="short", cookie_secure=True)
    with pytest.raises(ValidationError, match="COOKIE_SECURE"):
        Settings(environment="production", pseudonym_key="x" * 40)
    ok = Settings(environment="production", pseudonym_key="x" * 40, cookie_secure=True)
    assert ok.environment == "production"
    monkeypatch.setenv("ROADSENSE_ENVIRONMENT", "production")
    result = CliRunner().invoke(cli, ["serve", "--port", "9"])
    assert result.exit_code == 2
    assert "refusing to start" in result.output
    assert "ROADSENSE_PSEUDONYM_KEY" in result.output


def test_several_workers_need_postgresql() -> None:
    with pytest.raises(ValidationError, match="several workers need a PostgreSQL store"):
        Settings(workers=2, store="var/x.duckdb")
    assert Settings(workers=2, store="postgresql://u:p@127.0.0.1:5432/db").workers == 2


def test_not_ready_when_the_database_is_gone(pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database()
    app = create_app(settings_for(url))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/readyz").status_code == 200
        pg_cluster.server.drop_database(url.rsplit("/", 1)[1])
        ready = c.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not_ready"
        assert c.get("/healthz").status_code == 200  # alive all the same


def test_scheduled_retention_prunes_while_serving(store_url: str) -> None:
    with open_store(store_url) as db:
        provision(db)
        db.ingest(batch(track("taxi-1", 31), "gw-1"))  # June 2025: older than 90 days
        km = db.totals().vehicle_km
    app = create_app(settings_for(store_url, prune_every_s=3600))
    with TestClient(app) as c:
        deadline = time.monotonic() + 20
        while c.get("/v1/panels/summary?fresh=true", headers=ANALYST).json()["positions"] and (
            time.monotonic() < deadline
        ):
            time.sleep(0.05)
        s = c.get("/v1/panels/summary?fresh=true", headers=ANALYST).json()
    assert s["positions"] == 0
    assert s["vehicle_km"] == pytest.approx(km, abs=1e-3)


def test_store_cli_prunes_and_admin_cli_issues_keys(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    with open_store(db) as store:
        store.ingest(batch(track("taxi-1", 10), "gw-1"))
    runner = CliRunner()
    pruned = runner.invoke(cli, ["store", "prune", "--store", db, "--older-than-days", "90"])
    assert pruned.exit_code == 0, pruned.output
    assert "pruned 10 positions" in pruned.output
    assert (
        runner.invoke(cli, ["admin", "add-fleet", "f1", "--name", "F", "--store", db]).exit_code
        == 0
    )
    made = runner.invoke(
        cli,
        [
            "admin",
            "add-key",
            "ops",
            "--role",
            "fleet_operator",
            "--fleet",
            "f1",
            "--store",
            db,
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["key"].startswith("rsk_")
    bad = runner.invoke(cli, ["admin", "add-key", "x", "--role", "root", "--store", db])
    assert bad.exit_code == 2
    assert "unknown role" in bad.output
    listed = runner.invoke(cli, ["admin", "list-keys", "--store", db])
    assert "ops" in listed.output
    info = runner.invoke(cli, ["store", "info", "--store", db])
    assert "0 raw positions" in info.output


def test_devices_are_loaded_into_memory_and_revocation_still_works(store_url: str) -> None:
    with open_store(store_url) as db:
        provision(db)
    app = create_app(settings_for(store_url, credential_cache_s=30))
    with TestClient(app) as c:
        state = app.state.roadsense
        deadline = time.monotonic() + 10
        while not state.device_cache.get(hash_token(TOKEN))[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        found, device = state.device_cache.get(hash_token(TOKEN))
        assert found
        assert device is not None
        assert device.device_id == "gw-1"
        body = batch(track("taxi-1", 2), "gw-1").model_dump_json()
        assert c.post("/v1/batches", content=body, headers=auth(TOKEN)).status_code == 200
        admin = {"Authorization": "Bearer rsk_admin-key"}
        assert c.delete("/v1/admin/devices/gw-1", headers=admin).status_code == 200
        again = batch(track("taxi-1", 2), "gw-1").model_dump_json()
        assert c.post("/v1/batches", content=again, headers=auth(TOKEN)).status_code == 401
