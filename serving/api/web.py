"""The end-user page: the built app of web/ at ``/``, its hashed files under ``/assets``.

Its icon (web/public/favicon.svg) is at ``/favicon.svg``, and at ``/favicon.ico`` too: browsers
ask for that one on any page that names no icon (``/docs``, a JSON answer opened in a tab).

The page talks to the same API (same origin), so its policy allows only this origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Panels</title>
<h1>The Panels page is not built</h1>
<p>Run <code>make web</code> (or <code>make demo</code>), then reload. The REST API answers at
<code>/api/v1</code>; its reference is at <a href="/docs">/docs</a>.</p></html>"""


class ImmutableFiles(StaticFiles):
    """Vite names each file by its content hash: browsers may keep it for a year."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response


def install(app: FastAPI, web_dir: Path) -> None:
    router = APIRouter(include_in_schema=False)
    index = web_dir / "index.html"

    @router.get("/")
    def page() -> Response:
        headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"}
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=headers)
        return FileResponse(index, media_type="text/html", headers=headers)

    icon = web_dir / "favicon.svg"

    @router.get("/favicon.svg")
    @router.get("/favicon.ico")
    def favicon() -> Response:
        if not icon.is_file():
            return Response(status_code=404)
        # Not content-hashed: kept a day, then checked again.
        headers = {"Cache-Control": "public, max-age=86400"}
        return FileResponse(icon, media_type="image/svg+xml", headers=headers)

    app.include_router(router)
    # check_dir=False: the app starts before (or without) a build; a missing file is a 404.
    app.mount("/assets", ImmutableFiles(directory=web_dir / "assets", check_dir=False), "assets")
