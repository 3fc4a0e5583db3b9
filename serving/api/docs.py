"""The API reference page: Swagger UI at ``/docs``, with no CDN (``/redoc`` leads there).

FastAPI's own pages load their scripts and styles from a CDN and boot Swagger UI with an
inline script: the API's policy (``default-src 'none'``) blocks all of it, and a machine with
no internet could not load it anyway. Here the files come from the fastapi-offline package,
served by the API under a versioned path, and the boot script is a served file too, so the
page's policy allows this origin's scripts and nothing else.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

FILES = Path(fastapi_offline.__file__).parent / "static"
# The package's version names the files' path: a new release is a new URL, so browsers may
# keep each one for good.
PREFIX = f"/docs/files/{version('fastapi-offline')}"
SWAGGER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SWAGGER_BOOT = """// Starts Swagger UI in #swagger-ui, on the schema its data-spec names.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.spec,
  domNode: root,
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


class VersionedFiles(StaticFiles):
    """Files whose URL changes with their content: cached for a year."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _page(title: str, head: str, body: str, policy: str) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
{body}
</body>
</html>"""
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    return HTMLResponse(html, headers=headers)


def install(app: FastAPI) -> None:
    """Serve /docs (and /redoc, which leads there); FastAPI's own pages are turned off."""
    spec = app.openapi_url
    assert spec is not None, "the reference pages read the OpenAPI schema"
    router = APIRouter(include_in_schema=False)
    title = f"{app.title} reference"

    @router.get("/docs")
    def swagger() -> HTMLResponse:
        return _page(
            title,
            f'<link rel="stylesheet" href="{PREFIX}/swagger-ui.css">',
            f'<div id="swagger-ui" data-spec="{spec}"></div>\n'
            f'<script src="{PREFIX}/swagger-ui-bundle.js"></script>\n'
            '<script src="/docs/boot.js"></script>',
            SWAGGER_POLICY,
        )

    @router.get("/docs/boot.js")
    def swagger_boot() -> Response:
        return Response(
            SWAGGER_BOOT, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    @router.get("/redoc")
    def redoc() -> RedirectResponse:
        # ReDoc is off: its page always shows Redocly's logo from their CDN (no option turns
        # it off), which this page's policy would refuse. A bookmark of /redoc still lands.
        return RedirectResponse("/docs", status_code=307)

    app.include_router(router)
    app.mount(PREFIX, VersionedFiles(directory=FILES), "docs-files")
