"""The demo city's time zone comes from configuration; Helsinki's extract runs in Helsinki."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.city import DEFAULT_TIME_ZONE
from roadsense.cli.demo import BUNDLED_TIME_ZONE, demo_city
from roadsense.cli.main import app


def test_the_bundled_helsinki_extract_runs_in_helsinki_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ROADSENSE_TIME_ZONE", raising=False)
    assert BUNDLED_TIME_ZONE == "Europe/Helsinki"
    assert demo_city(None).time_zone == "Europe/Helsinki"


def test_the_configured_zone_wins_over_the_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROADSENSE_TIME_ZONE", "America/Chicago")
    assert demo_city(None).time_zone == "America/Chicago"
    assert demo_city(None, "Asia/Tokyo").time_zone == "Asia/Tokyo"


def test_another_city_file_takes_the_configured_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ROADSENSE_TIME_ZONE", raising=False)
    assert demo_city(tmp_path / "seoul.osm.pbf").time_zone == DEFAULT_TIME_ZONE


def test_an_unknown_zone_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        demo_city(None, "Mars/Olympus")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--tz", "Mars/Olympus"])
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output
