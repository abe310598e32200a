"""Security headers on every answer; the API description served from our own files."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from roadsense.server.app import static_dir
from roadsense.server.security_headers import HEADERS
from tests.server.conftest import ANALYST, auth

ROUTES = [
    ("GET", "/", {}),
    ("GET", "/signin", {}),
    ("GET", "/healthz", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/docs", {}),
    ("GET", "/redoc", {}),
    ("GET", "/static/app.js", {}),
    ("GET", "/v1/session", {}),
    ("GET", "/v1/session", ANALYST),
    ("GET", "/v1/panels/meta", ANALYST),
    ("GET", "/no/such/page", {}),
    ("POST", "/v1/batches", {}),
    ("POST", "/v1/batches", auth()),
    ("POST", "/v1/session", {}),
]
ATTRIBUTE = re.compile(r"""\b(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize(("method", "path", "headers"), ROUTES)
def test_every_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    r = client.request(method, path, headers=headers, content=b"{}", follow_redirects=False)
    for name, value in HEADERS:
        assert r.headers.get(name.decode()) == value.decode(), (path, r.status_code, name)
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/signin"])
def test_pages_load_only_our_own_files_and_no_inline_script(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    html = page.text
    references = ATTRIBUTE.findall(html)
    assert references, html
    for ref in references:
        assert ref.startswith("/"), ref
        assert not ref.startswith("//"), ref
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script on {path}: {tag}"
    for ref in references:
        if ref.startswith("/static/"):
            asset = client.get(ref)
            assert asset.status_code == 200, ref
            assert asset.content, ref


def test_the_dashboard_page_has_no_inline_script() -> None:
    html = (static_dir() / "index.html").read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"


def test_the_docs_name_the_vendored_swagger_and_redoc(client: TestClient) -> None:
    assert "/static/vendor/swagger-ui-bundle.js" in client.get("/docs").text
    assert "/static/vendor/redoc.standalone.js" in client.get("/redoc").text
    assert "cdn" not in client.get("/docs").text.lower()
    assert "cdn" not in client.get("/redoc").text.lower()
