"""The monthly report from a real store: its figures, its HTML, and its PDF via Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.reports import build_report, parse_month, render_html
from roadsense.store import open_store

SECTIONS = [
    "Headline figures",
    "Hotspot map",
    "Top hotspots and their evidence",
    "Evaluation result",
    "Traffic speed changes",
    "Sign mismatches found",
    "Data quality",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_month_figures_come_from_the_store(month_store: Path) -> None:
    with open_store(month_store, read_only=True) as store:
        report = build_report(store, parse_month("2024-05"))
        totals = store.totals()
    h = report.headline
    assert h.vehicles == 12
    assert h.events == totals.events
    assert h.vehicle_km == pytest.approx(totals.vehicle_km, rel=0.01)
    assert h.prev_per_100km is None  # nothing in April
    assert report.hotspots, report.screening_note
    assert [c.rank for c in report.hotspots] == list(range(1, len(report.hotspots) + 1))
    assert sum(c.observed for c in report.cells) <= h.events
    assert report.evaluation is not None
    assert [r.event_type for r in report.evaluation.ratios] == ["FCW", "HMW"]
    assert report.quality.devices == 0  # batches were stored directly, no gateway provisioned
    assert report.quality.gps_gaps == 0  # one fix every 2 s, no gaps
    with open_store(month_store, read_only=True) as store:
        empty = build_report(store, parse_month("2024-07"))
    assert empty.headline.events == 0
    assert empty.hotspots == []


def test_html_has_every_section_and_images(month_store: Path) -> None:
    with open_store(month_store, read_only=True) as store:
        html = render_html(build_report(store, parse_month("2024-05")))
    for heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in html
    assert html.count('src="data:image/png;base64,') >= 3
    assert "taxi-0" not in html  # no vehicle identity in the city's report


def test_bad_month_is_a_clear_error(month_store: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--month", "2024-13", "--store", str(month_store)])
    assert result.exit_code == 2
    assert "no month 13" in result.output


def test_pdf_without_chromium_says_so(month_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--month",
            "2024-05",
            "--format",
            "pdf",
            "--out",
            str(out),
            "--chromium",
            "/nonexistent/chromium",
            "--store",
            str(month_store),
        ],
    )
    assert result.exit_code == 2
    assert "needs Chromium" in result.output
    assert not out.exists()


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is absent")
def test_pdf_has_every_section(month_store: Path) -> None:
    from pypdf import PdfReader

    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / "report-2024-05.pdf"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--month",
            "2024-05",
            "--format",
            "pdf",
            "--out",
            str(out),
            "--store",
            str(month_store),
        ],
    )
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    for heading in SECTIONS:
        assert heading in text, heading
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3
