"""The monthly report a city official reads: figures, maps and charts for one month.

``build_report`` gathers the month's figures from the store (through the analytics),
``render_html`` makes a self-contained HTML document of them (charts and maps as PNG
images inside it) and ``render_pdf`` prints that document with headless Chromium.
May import ``schema``, ``store``, ``roads``, ``analytics`` and ``city``; not the server.
"""

from roadsense.reports.monthly import MonthlyReport, build_report
from roadsense.reports.period import Month, parse_month
from roadsense.reports.render import PdfUnavailableError, render_html, render_pdf

__all__ = [
    "Month",
    "MonthlyReport",
    "PdfUnavailableError",
    "build_report",
    "parse_month",
    "render_html",
    "render_pdf",
]
