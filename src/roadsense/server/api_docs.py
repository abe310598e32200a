"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc): the API description, from our own files.

Both are served from ``/static/vendor/`` (copied from npm by ``web/vendor.sh``), so they
work offline and load nothing from a CDN; FastAPI's own ``/docs`` and ``/redoc`` (which
load from a CDN) are switched off in :func:`roadsense.server.app.create_app`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor"
OPENAPI_URL = "/openapi.json"
SWAGGER_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roadsense API</title>
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
<link rel="icon" href="{VENDOR}/swagger-ui-favicon.png">
</head><body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body></html>
"""


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """The API description in Swagger UI."""
    return HTMLResponse(SWAGGER_PAGE)


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    """The API description in ReDoc."""
    return get_redoc_html(
        openapi_url=OPENAPI_URL,
        title="roadsense API",
        redoc_js_url=f"{VENDOR}/redoc.standalone.js",
        redoc_favicon_url=f"{VENDOR}/swagger-ui-favicon.png",
        with_google_fonts=False,
    )
