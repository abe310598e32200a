"""The report as a self-contained HTML document (Jinja2), and as PDF through Chromium."""

from __future__ import annotations

import base64
import shutil
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from roadsense.errors import RoadsenseError
from roadsense.reports import charts
from roadsense.reports.monthly import MonthlyReport

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PdfUnavailableError(RoadsenseError, RuntimeError):
    """A PDF was asked for, but there is no Chromium (or Playwright) to print it."""


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _images(report: MonthlyReport) -> dict[str, str]:
    images = {
        "hotspot_map": _data_uri(charts.hotspot_map(report.cells, report.hotspots, report.roads)),
    }
    if report.weekly:
        images["weekly"] = _data_uri(charts.weekly_rates(report))
    if report.evaluation and report.evaluation.ratios:
        images["ratios"] = _data_uri(charts.rate_ratios(report.evaluation))
    if report.speed_changes:
        images["speeds"] = _data_uri(charts.speed_changes(report.speed_changes[:15]))
    return images


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("roadsense.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, digits=0: "–" if v is None else f"{v:,.{digits}f}"
    env.filters["pct"] = lambda v, digits=1: "–" if v is None else f"{100 * v:.{digits}f} %"
    return env


def render_html(report: MonthlyReport) -> str:
    """The whole report as one HTML document, images inline."""
    template = _environment().get_template("monthly.html.j2")
    css = (resources.files("roadsense.reports") / "templates" / "report.css").read_text("utf-8")
    return template.render(r=report, images=_images(report), css=css)


def find_chromium(explicit: str | None = None) -> Path | None:
    """The Chromium to print with: ``explicit``, else Debian's, else one on the PATH."""
    for candidate in [explicit] if explicit else [*CHROMIUM_CANDIDATES, "chromium"]:
        found = shutil.which(candidate) if candidate else None
        if found:
            return Path(found)
    return None


def render_pdf(html: str, out: Path, chromium: str | None = None) -> Path:
    """Print ``html`` to ``out`` (A4) with headless Chromium; PdfUnavailableError without one."""
    executable = find_chromium(chromium)
    if executable is None:
        raise PdfUnavailableError(
            "a PDF needs Chromium, and none was found (Debian: apt-get install chromium); "
            "use --format html, or --chromium PATH"
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        raise PdfUnavailableError(
            "a PDF needs the playwright package (pip install playwright); use --format html"
        ) from exc
    out.parent.mkdir(parents=True, exist_ok=True)

    def print_pdf() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(executable), args=CHROMIUM_FLAGS, headless=True
            )
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.pdf(
                    path=str(out),
                    format="A4",
                    print_background=True,
                    margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()

    # Playwright's sync API refuses a thread that runs an asyncio loop: print on a fresh one.
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(print_pdf).result()
    except PlaywrightError as exc:
        raise PdfUnavailableError(f"Chromium at {executable} could not print: {exc}") from exc
    return out
