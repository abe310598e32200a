"""The gateway installs alone: ``pip install roadsense`` in a fresh venv, no extras.

That venv decodes the recorded Mobileye drive and uploads it to a real ``roadsense serve``
running from the full install; the server stores every record. The venv holds none of the
city platform's libraries, and a city command run there names the extra to install.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from roadsense.accounts import provision_device
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.store import open_store
from tests.cli.gateway_venv import CITY_MODULES, ROOT, build_gateway_venv, clean_env, installed

pytestmark = pytest.mark.slow

DATA = ROOT / "tests" / "edge" / "decoding" / "data"
CAN_LOG = DATA / "drive_me8.log"
NMEA_LOG = DATA / "drive.nmea"


@pytest.fixture(scope="module")
def gateway_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_gateway_venv(tmp_path_factory.mktemp("gateway"))


def roadsense(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "roadsense"), *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )


def test_the_gateway_venv_holds_no_city_library(gateway_venv: Path) -> None:
    assert installed(gateway_venv, "cantools")  # the probe can see what is there
    assert [m for m in CITY_MODULES if installed(gateway_venv, m)] == []


def test_a_city_command_names_its_extra(gateway_venv: Path) -> None:
    done = roadsense(gateway_venv, "serve")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "roadsense serve needs the city platform: pip install 'roadsense[city]'" in lines[0]


def test_decode_and_upload_to_a_real_server(gateway_venv: Path, tmp_path: Path) -> None:
    decoded = roadsense(gateway_venv, "edge", "decode", "--can", str(CAN_LOG),
                        "--nmea", str(NMEA_LOG), "--vehicle", "taxi-1")  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr
    kinds = Counter(json.loads(line)["kind"] for line in decoded.stdout.splitlines())
    assert kinds["event"] > 0
    assert kinds["position"] > 0

    store = tmp_path / "city.duckdb"
    with open_store(store) as db:
        device = provision_device(db, "gw-1", "taxi-1")
    server = ServerProcess(store, free_port(), log_file=tmp_path / "server.log")
    with server:
        run = roadsense(gateway_venv, "edge", "run", "--can-log", str(CAN_LOG),
                        "--nmea-log", str(NMEA_LOG), "--vehicle", "taxi-1",
                        "--server", server.url, "--token", device.token, "--device-id", "gw-1",
                        "--outbox", str(tmp_path / "outbox.sqlite"))  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "outbox: 0 records waiting" in run.stdout
    with open_store(store, read_only=True) as db:
        totals = db.totals()
    assert totals.events == kinds["event"]
    assert totals.positions == kinds["position"]
    assert totals.vehicles == 1
