"""``roadsense screen`` and ``roadsense evaluate before-after`` on analysts' CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app

runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_screen_writes_input_plus_ranking_sorted(tmp_path: Path) -> None:
    sites = write(
        tmp_path / "sites.csv",
        "site_id,observed,predicted,overdispersion,name\n"
        "B,2,6,0.25,Dongdaegu-ro\nA,10,4,0.5,Gukchaebosang-ro\nC,5,1,1,Jungang-daero\n",
    )
    out = tmp_path / "ranked.csv"
    result = runner.invoke(app, ["screen", str(sites), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["site_id"] for r in rows] == ["A", "C", "B"]
    assert list(rows[0]) == [
        "site_id",
        "observed",
        "predicted",
        "overdispersion",
        "name",
        "weight",
        "expected",
        "excess",
        "rank",
    ]
    assert rows[0]["name"] == "Gukchaebosang-ro"
    assert float(rows[0]["expected"]) == pytest.approx(8.0)
    assert [r["rank"] for r in rows] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("site_id,observed,predicted\nA,1,2\n", "missing column(s) overdispersion"),
        ("site_id,observed,predicted,overdispersion\nA,x,2,0.1\nB,1,-2,0.1\n", "2 bad value(s)"),
        ("site_id,observed,predicted,overdispersion\n", "no data rows"),
        ("site_id,observed,predicted,overdispersion\nA,1,2,0.1\nA,1,2,0.1\n", "unique"),
    ],
)
def test_screen_refuses_broken_files_clearly(tmp_path: Path, content: str, message: str) -> None:
    result = runner.invoke(app, ["screen", str(write(tmp_path / "s.csv", content))])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ")


def test_bad_rows_are_named_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.csv", "site_id,observed,predicted,overdispersion\nA,1,2,0.1\nB,1,nan,0.1\n"
    )
    result = runner.invoke(app, ["screen", str(path)])
    assert "line 3: predicted='nan'" in result.output


def test_screen_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_before_after_prints_and_writes_json(tmp_path: Path) -> None:
    sites = write(
        tmp_path / "t.csv",
        "site_id,observed_before,predicted_before,observed_after,"
        "predicted_after,overdispersion\n1,10,5,4,5.5,0.2\n2,6,4,3,4,0.25\n",
    )
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["evaluate", "before-after", str(sites), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "odds_ratio" in result.output
    data = json.loads(out.read_text())
    for key in (
        "odds_ratio_naive",
        "odds_ratio",
        "standard_error",
        "effectiveness_percent",
        "significance",
    ):
        assert key in data
    assert data["odds_ratio"] == pytest.approx(0.507941, abs=1e-6)
    assert data["significance"] == "significant at about 95 %"
