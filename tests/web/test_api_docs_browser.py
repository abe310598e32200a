"""/docs, /redoc and /signin in a real Chromium under the Content-Security-Policy: they
draw from our own files, and the policy blocks nothing they need (nor does the page try
anything it forbids, but for ReDoc's footer logo from its CDN, which it hides when refused)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ANALYST_KEY, CHROMIUM, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is absent (Debian: apt-get install chromium)",
    ),
]

BROWSER_NOISE = ("GL Driver Message",)
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _open(browser_context: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser_context.new_page()
    console: list[str] = []
    outside: list[str] = []
    origin = url.split("/", 3)[:3]

    def on_console(message: Any) -> None:
        if any(n in message.text for n in BROWSER_NOISE) or REDOC_LOGO in message.text:
            return
        console.append(f"{message.type}: {message.text}")

    def on_request(request: Any) -> None:
        if request.url.split("/", 3)[:3] != origin and not request.url.startswith(
            ("data:", "blob:")
        ):
            outside.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.on("request", on_request)
    page.goto(url)
    return page, console, outside


def test_swagger_ui_draws_every_operation_offline(
    browser_context: Any, live_server: LiveServer
) -> None:
    page, console, outside = _open(browser_context, f"{live_server.url}/docs")
    try:
        page.wait_for_selector(".opblock", timeout=30_000)
        assert page.locator(".opblock").count() > 10
        assert console == []
        assert outside == []
    finally:
        page.close()


def test_redoc_draws_the_description_offline(browser_context: Any, live_server: LiveServer) -> None:
    page, console, outside = _open(browser_context, f"{live_server.url}/redoc")
    try:
        page.wait_for_selector("h1", timeout=30_000)
        assert "roadsense" in page.locator("h1").first.inner_text()
        assert console == []
        assert set(outside) <= {REDOC_LOGO}  # asked for, refused by the policy
    finally:
        page.close()


def test_the_sign_in_page_signs_in_under_the_policy(
    browser_context: Any, live_server: LiveServer
) -> None:
    page, console, outside = _open(browser_context, f"{live_server.url}/signin")
    try:
        page.fill("#api_key", ANALYST_KEY)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/", timeout=30_000)
        assert [c for c in console if "Content Security Policy" in c] == []
        assert outside == []
    finally:
        page.close()
