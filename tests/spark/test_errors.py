"""The Spark engine's failures are one line naming the fix, before any JVM starts."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.lake import MANIFEST_NAME
from roadsense.spark.errors import SparkEngineError
from roadsense.spark.session import SparkOptions, parse_conf, start_session
from tests.spark.conftest import StoreWithLake

runner = CliRunner()


def analyze(city: StoreWithLake, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["analyze", "--store", str(city.store), "--out", str(tmp_path), *args]
    )
    return result.exit_code, result.output


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_no_java_names_the_make_target(
    city_lake: StoreWithLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    code, out = analyze(city_lake, tmp_path, "--engine", "spark", "--lake", str(city_lake.lake))
    assert code == 2
    assert "make java-deps" in one_line(out)


def test_a_java_home_without_java_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkEngineError, match="holds no bin/java"):
        start_session(SparkOptions(log_dir=tmp_path))


def test_an_old_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkEngineError, match="Java 11; Spark needs Java 17"):
        start_session(SparkOptions(log_dir=tmp_path))


def test_an_unreachable_master_is_one_line(city_lake: StoreWithLake, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    master = f"spark://127.0.0.1:{port}"
    lake = str(city_lake.lake)
    code, out = analyze(
        city_lake, tmp_path, "--engine", "spark", "--lake", lake, "--master", master
    )
    assert code == 2
    line = one_line(out)
    assert f"cannot reach the Spark master {master}" in line
    assert "--master local[2]" in line


def test_a_malformed_master_is_one_line(city_lake: StoreWithLake, tmp_path: Path) -> None:
    lake = str(city_lake.lake)
    code, out = analyze(
        city_lake, tmp_path, "--engine", "spark", "--lake", lake, "--master", "yarn"
    )
    assert code == 2
    assert "neither local[N] nor spark://HOST:PORT" in one_line(out)


def test_no_lake_says_how_to_write_one(city_lake: StoreWithLake, tmp_path: Path) -> None:
    code, out = analyze(city_lake, tmp_path, "--engine", "spark", "--lake", str(tmp_path / "none"))
    assert code == 2
    assert "roadsense lake export --to" in one_line(out)
    code, out = analyze(city_lake, tmp_path, "--engine", "spark")
    assert code != 0
    assert "--lake" in out


def test_a_lake_without_fleet_memberships_says_to_export_again(
    city_lake: StoreWithLake, tmp_path: Path
) -> None:
    old = tmp_path / "old-lake"
    manifest = json.loads((city_lake.lake / MANIFEST_NAME).read_text())
    del manifest["whole"]  # as an older roadsense wrote it
    old.mkdir()
    (old / MANIFEST_NAME).write_text(json.dumps(manifest))
    code, out = analyze(city_lake, tmp_path, "--engine", "spark", "--lake", str(old))
    assert code == 2
    assert "holds no fleet memberships" in one_line(out)
    assert "roadsense lake export --to" in one_line(out)


def test_spark_conf_wants_key_value() -> None:
    assert parse_conf(["spark.executor.memory=2g", "a=b=c"]) == {
        "spark.executor.memory": "2g",
        "a": "b=c",
    }
    with pytest.raises(SparkEngineError, match="KEY=VALUE"):
        parse_conf(["spark.executor.memory"])
