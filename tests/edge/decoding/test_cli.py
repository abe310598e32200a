"""``roadsense edge decode`` prints the records as JSON lines; bad arguments are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.schema import Record
from tests.edge.scripted_server import TOKEN, ScriptedServer

from .conftest import DATA

runner = CliRunner()
RECORD = TypeAdapter[Record](Record)


def test_decode_prints_every_record_as_json() -> None:
    result = runner.invoke(
        app,
        ["edge", "decode", "--can", str(DATA / "drive_me8.log"),
         "--nmea", str(DATA / "drive.nmea"), "--vehicle", "taxi-7"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    records = [RECORD.validate_json(line) for line in result.stdout.splitlines()]
    kinds = [r.kind for r in records]
    assert kinds.count("event") == 7
    assert kinds.count("position") == 35
    assert kinds.count("sign") == 1
    assert {r.vehicle_id for r in records} == {"taxi-7"}
    assert kinds[-1] == "status"


def test_decode_with_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "edge.json"
    config.write_text(json.dumps({"vehicle_id": "taxi-560", "sound_family": "me560"}))
    result = runner.invoke(
        app, ["edge", "decode", "--can", str(DATA / "me560.log"), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    events = [json.loads(x) for x in result.stdout.splitlines() if '"event"' in x]
    assert sorted((e["type"], e["level"]) for e in events) == [("FCW", 3), ("HMW", 3)]


def test_clear_errors(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["edge", "decode", "--can", str(tmp_path / "none.log")])
    assert missing.exit_code == 2
    assert "CAN log not found" in missing.output
    wrong = tmp_path / "frames.blf"
    wrong.write_bytes(b"\x00")
    unknown = runner.invoke(app, ["edge", "decode", "--can", str(wrong)])
    assert unknown.exit_code == 2
    assert "unknown CAN log format" in unknown.output
    bad = runner.invoke(
        app, ["edge", "decode", "--can", str(DATA / "me560.log"), "--sound-family", "me9"]
    )
    assert bad.exit_code == 2
    assert "invalid edge configuration" in bad.output
    neither = runner.invoke(app, ["edge", "run", "--server", "http://x", "--token", "t",
                                  "--device-id", "gw-1"])  # fmt: skip
    assert neither.exit_code == 2
    assert "exactly one of --can" in neither.output


def test_run_on_recorded_logs_uploads_everything(tmp_path: Path, server: ScriptedServer) -> None:
    result = runner.invoke(
        app,
        ["edge", "run", "--can-log", str(DATA / "me560.log"), "--sound-family", "me560",
         "--server", server.url, "--token", TOKEN, "--device-id", "gw-1", "--vehicle", "taxi-1",
         "--outbox", str(tmp_path / "outbox.sqlite")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "decoded 1600 CAN frames into 23 records; outbox: 0 records waiting" in result.output
    stored = server.stored_items()
    assert len(stored) == 23  # 20 lane samples, 2 events, the last status
    assert sorted((i["type"], i["level"]) for i in stored if i["kind"] == "event") == [
        ("FCW", 3),
        ("HMW", 3),
    ]
