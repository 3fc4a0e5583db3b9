"""The end-user page in real headless Chromium (Debian's package, driven by Playwright).

A real `panels serve` serves the built page and the API; syncs run in a real dagster-webserver.
Screenshots of every step land in test-artifacts/web/.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from serving.settings import PROJECT_ROOT
from tests.live import ApiServer, api_server
from tests.pipeline_fixtures import write

pytestmark = pytest.mark.slow
API = "/api/v1"
CHROMIUM = os.environ.get("PANELS_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = PROJECT_ROOT / "test-artifacts" / "web"
CARRIERS = ["AA", "DL", "UA", "B6"]
# What Chromium needs on a closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def flights_csv(rows: int, delay_shift: int = 0) -> str:
    lines = ["id,carrier,dep_delay,day,cancelled"]
    for i in range(1, rows + 1):
        day = date(2013, 1, 1) + timedelta(days=i % 90)
        delay = (i * 37) % 120 - 20 + delay_shift
        lines.append(f"{i},{CARRIERS[i % 4]},{delay},{day.isoformat()},{str(i % 9 == 0).lower()}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def server(database_url, webserver, redis_url) -> Iterator[ApiServer]:
    with api_server(
        database_url,
        PANELS_DAGSTER_URL=webserver["url"],
        PANELS_DATA_ROOT=str(webserver["data_root"]),
        PANELS_REDIS_URL=redis_url,
        PANELS_REDIS_PREFIX=f"web-{uuid.uuid4().hex[:8]}",
    ) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make browser` installs Debian's package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


class Api:
    """The same server, through plain HTTP, for set-up and for what the page should show."""

    def __init__(self, server: ApiServer, headers: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=server.http + API, headers=headers, timeout=30)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, path, **kw)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def sync(self, panel_id: str, timeout: float = 180) -> dict[str, Any]:
        sync = self.ok("POST", f"/panels/{panel_id}/syncs")
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.ok("GET", f"/panels/{panel_id}/syncs/{sync['id']}")
            if body["status"] in ("succeeded", "failed", "canceled"):
                assert body["status"] == "succeeded", body
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.5)


@pytest.fixture(scope="module")
def flights(server, webserver, make_tenant) -> Iterator[dict[str, Any]]:
    """A tenant with a 600-row panel synced once through the API."""
    tenant = make_tenant()
    write(Path(webserver["data_root"]) / f"{tenant.slug}.csv", flights_csv(600))
    editor, admin = Api(server, tenant.editor), Api(server, tenant.admin)
    panel = editor.ok("POST", "/panels", json={"slug": "flights", "name": "Flights"})
    admin.ok(
        "POST",
        f"/panels/{panel['id']}/sources",
        json={"name": "csv", "kind": "file", "config": {"path": f"{tenant.slug}.csv"}},
    )
    for key, kind in [
        ("id", "integer"),
        ("carrier", "text"),
        ("dep_delay", "integer"),
        ("day", "date"),
        ("cancelled", "boolean"),
    ]:
        editor.ok(
            "POST",
            f"/panels/{panel['id']}/columns",
            json={
                "key": key,
                "name": key.replace("_", " ").title(),
                "type": kind,
                "mapping": {"field": key},
            },
        )
    editor.ok(
        "POST",
        f"/panels/{panel['id']}/columns",
        json={"key": "late", "name": "Late", "type": "boolean", "formula": "{dep_delay} > 60"},
    )
    editor.sync(panel["id"])
    admin.http.close()
    yield {"tenant": tenant, "panel": panel, "editor": editor, "data": webserver["data_root"]}
    editor.http.close()


def sign_in(page: Page, server: ApiServer, tenant: Any, role: str = "editor") -> None:
    page.goto(server.http + "/")
    page.get_by_label("Organisation").fill(tenant.slug)
    page.get_by_label("E-mail").fill(f"{role}@{tenant.slug}.example.com")
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Panels")).to_be_visible()


def grid_rows(page: Page) -> Any:
    return page.get_by_role("grid").locator(".grid-body [role=row]")


def column_values(page: Page, index: int) -> list[str]:
    cells = grid_rows(page).locator(f"[role=gridcell][aria-colindex='{index}']")
    return [text.strip() for text in cells.all_inner_texts()]


def test_sign_in_filter_save_a_view_and_see_a_sync_live(page, server, flights) -> None:
    tenant, panel, editor = flights["tenant"], flights["panel"], flights["editor"]
    page.goto(server.http + "/")
    expect(page.get_by_role("form", name="Sign in")).to_be_visible()
    shot(page, "01-sign-in")
    sign_in(page, server, tenant)
    page.get_by_role("navigation", name="Panels").get_by_role("link", name="Flights").click()
    grid = page.get_by_role("grid", name="Flights rows")
    expect(grid).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("600")
    expect(page.get_by_test_id("version")).to_have_text("1")
    expect(page.get_by_test_id("live")).to_have_text("live")
    # Virtualised: 600 rows in the result, far fewer in the document.
    expect(grid).to_have_attribute("aria-rowcount", "601")
    assert 10 < grid_rows(page).count() < 100
    shot(page, "02-panel")

    # Filter: carrier is AA → 150 rows, every shown carrier AA.
    page.get_by_role("button", name="+ Add filter").click()
    condition = page.get_by_role("group", name="Condition 1")
    condition.get_by_label("Column").select_option("carrier")
    condition.get_by_label("Operator").select_option("is")
    condition.get_by_label("Value").fill("AA")
    expect(page.get_by_test_id("total")).to_have_text("150")
    assert set(column_values(page, 2)) == {"AA"}
    # Sort by delay, descending (two clicks on the header).
    header = page.get_by_role("columnheader", name="Dep Delay")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    worst = max((i * 37) % 120 - 20 for i in range(1, 601) if CARRIERS[i % 4] == "AA")
    expect(grid_rows(page).first.locator("[aria-colindex='3']")).to_have_text(str(worst))
    delays = [int(v) for v in column_values(page, 3)]
    assert delays == sorted(delays, reverse=True)
    shot(page, "03-filtered-sorted")

    # Hide a column and save all of it as a view; the API has it.
    page.get_by_text("Columns (6)").click()
    page.get_by_role("list", name="Columns").get_by_role("checkbox", name="Cancelled").uncheck()
    page.get_by_text("Columns (5)").click()
    expect(page.get_by_role("columnheader", name="Cancelled")).to_have_count(0)
    page.get_by_label("New view name").fill("AA by delay")
    page.get_by_role("button", name="Save as new view").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved view “AA by delay”")
    (view,) = editor.ok("GET", f"/panels/{panel['id']}/views")["data"]
    assert view["name"] == "AA by delay"
    assert view["filters"] == {"and": [{"column": "carrier", "op": "is", "value": "AA"}]}
    assert view["sorts"] == [{"column": "dep_delay", "direction": "desc"}]
    assert [c["visible"] for c in view["columns"]] == [True, True, True, True, False, True]
    assert f"view={view['id']}" in page.url

    # Reloading the page restores the view from the server.
    page.reload()
    expect(page.get_by_test_id("total")).to_have_text("150")
    expect(page.get_by_role("columnheader", name="Dep Delay")).to_have_attribute(
        "aria-sort", "descending"
    )

    # Keyset paging: scrolling to the end of the loaded rows loads the next page.
    page.get_by_role("button", name="Remove condition 1").click()
    expect(page.get_by_test_id("total")).to_have_text("600")
    expect(page.get_by_text("200 of 600 rows loaded")).to_be_visible()
    grid.evaluate("el => el.scrollTo(0, el.scrollHeight)")
    expect(page.get_by_text("400 of 600 rows loaded")).to_be_visible()

    # A sync started through the API shows up live, and the scroll position stays.
    grid.evaluate("el => el.scrollTo(0, 3000)")
    page.wait_for_timeout(300)
    before = grid.evaluate("el => el.scrollTop")
    assert before > 2500
    write(Path(flights["data"]) / f"{tenant.slug}.csv", flights_csv(640, 1000))
    editor.sync(panel["id"])
    expect(page.get_by_test_id("notice")).to_contain_text("Updated to version 2", timeout=20_000)
    expect(page.get_by_test_id("version")).to_have_text("2")
    expect(page.get_by_test_id("total")).to_have_text("640")
    assert abs(grid.evaluate("el => el.scrollTop") - before) < 5
    # The rows in sight are the new version's (every delay shifted by 1,000).
    assert min(int(v.replace(",", "")) for v in column_values(page, 3)) >= 980
    shot(page, "04-live-update")
