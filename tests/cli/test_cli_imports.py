"""The command starts at once: subcommands are imported when they run, and the gateway's
``roadsense edge ...`` loads none of the city platform's libraries."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from roadsense.cli.lazy import Extra, LazyCommand, LazyGroup
from tests.cli.gateway_venv import ROOT

HEAVY = ("numpy", "pandas", "statsmodels", "matplotlib", "duckdb", "valhalla", "scipy",
         "fastapi", "uvicorn", "pyarrow", "psycopg", "h3", "sumolib")  # fmt: skip
DATA = ROOT / "tests" / "edge" / "decoding" / "data"


def modules_after(*commands: list[str]) -> set[str]:
    """The modules a fresh interpreter holds after running ``roadsense <command>`` each."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from roadsense.cli.main import app
        for args in {[list(c) for c in commands]!r}:
            try:
                app(args, prog_name="roadsense")
            except SystemExit:
                pass
        print(json.dumps(sorted(sys.modules)), file=sys.stderr)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_subcommand() -> None:
    loaded = modules_after(["--help"])
    assert "roadsense.cli.main" in loaded
    ours = {m for m in loaded if m.startswith("roadsense.")}
    assert ours <= {"roadsense.cli", "roadsense.cli.main", "roadsense.cli.lazy",
                    "roadsense.cli.errors", "roadsense.errors"}, ours  # fmt: skip
    assert not {m.partition(".")[0] for m in loaded} & set(HEAVY)


def test_the_gateway_loads_no_city_library(tmp_path: Path) -> None:
    loaded = modules_after(
        ["edge", "run", "--help"],
        # runs the command's imports, then stops: neither --can nor --can-log
        ["edge", "run", "--server", "http://127.0.0.1:9", "--token", "t", "--device-id", "gw"],
        [
            "edge",
            "decode",
            "--can",
            str(DATA / "drive_me8.log"),
            "--nmea",
            str(DATA / "drive.nmea"),
        ],
    )
    assert {"roadsense.cli.edge", "cantools", "can", "httpx"} <= loaded  # the gateway ran
    assert any(m.startswith("roadsense.edge.") for m in loaded)
    assert sorted({m.partition(".")[0] for m in loaded} & set(HEAVY)) == []


NEEDS = Extra("city", "the city platform")


def test_a_missing_library_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "needs_city.py").write_text(
        "import typer\nimport no_such_city_library  # noqa: F401\napp = typer.Typer()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    class Group(LazyGroup):
        lazy_commands = (LazyCommand("serve", "needs_city:app", "Serve.", NEEDS),)

    app = typer.Typer(cls=Group)
    app.callback()(lambda: None)
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        "error: roadsense serve needs the city platform: pip install 'roadsense[city]' "
        "(no module named 'no_such_city_library')"
    ]


def test_an_error_of_ours_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from roadsense.cli.main import app

    result = CliRunner().invoke(app, ["store", "info", "--store", "ftp://somewhere/db"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: unsupported store 'ftp': give a DuckDB file path (ending in .duckdb) "
        "or a postgresql:// URL"
    ]
