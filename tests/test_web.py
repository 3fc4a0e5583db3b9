"""The end-user page in real headless Chromium (Debian's package, driven by Playwright).

A real `panels serve` serves the built page and the API; syncs run in a real dagster-webserver.
Screenshots of every step land in test-artifacts/web/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from core.enums import Role
from core.settings import PROJECT_ROOT
from core.storage import tenant_files
from tests.chromium import chromium, policy_violation
from tests.live import ApiServer, api_server
from tests.pipeline_fixtures import write

pytestmark = pytest.mark.slow
API = "/api/v1"
SHOTS = PROJECT_ROOT / "test-artifacts" / "web"
CARRIERS = ["AA", "DL", "UA", "B6"]


def flights_csv(rows: int, delay_shift: int = 0) -> str:
    lines = ["id,carrier,dep_delay,day,cancelled"]
    for i in range(1, rows + 1):
        day = date(2013, 1, 1) + timedelta(days=i % 90)
        delay = (i * 37) % 120 - 20 + delay_shift
        lines.append(f"{i},{CARRIERS[i % 4]},{delay},{day.isoformat()},{str(i % 9 == 0).lower()}")
    return "\n".join(lines) + "\n"


WARM_UP = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } } } } }"


@pytest.fixture(scope="module")
def server(database_url, webserver, redis_url) -> Iterator[ApiServer]:
    # The webserver loads the code location on its first query: on a busy machine that takes
    # longer than the API's 10 s for a launch, so it is loaded here first, with time to spare.
    warm = httpx.post(f"{webserver['url']}/graphql", json={"query": WARM_UP}, timeout=180)
    assert warm.status_code == 200, warm.text
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
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # Anything the page's policy refuses (an inline style a library sets, say) is a fault too.
    opened.on("console", lambda m: errors.append(m.text) if policy_violation(m) else None)
    yield opened
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


class Api:
    """The same server, through plain HTTP, for set-up and for what the page should show."""

    def __init__(self, server: ApiServer, headers: dict[str, str]) -> None:
        # A connection per request: between its calls this client sits idle for tens of
        # seconds while the browser works, and reusing a keep-alive connection the server is
        # closing just then is a reset (seen once in CI), not anything the test is about.
        self.http = httpx.Client(
            base_url=server.http + API,
            headers=headers,
            timeout=30,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, path, **kw)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def served(self, panel_id: str, timeout: float = 180) -> None:
        """Start a sync, then wait until the panel serves a new version.

        On a busy machine the webserver can answer a launch after the API stopped waiting (a
        503) with the run started all the same: what counts here is the version served.
        """
        before = self.ok("GET", f"/panels/{panel_id}")["current_version_id"]
        started = self.http.post(f"/panels/{panel_id}/syncs")
        assert started.status_code in (202, 503), started.text
        deadline = time.monotonic() + timeout
        while self.ok("GET", f"/panels/{panel_id}")["current_version_id"] == before:
            assert time.monotonic() < deadline, f"no new version served: {started.text}"
            time.sleep(0.5)


@pytest.fixture(scope="module")
def flights(server, webserver, make_tenant) -> Iterator[dict[str, Any]]:
    """A tenant with a 600-row panel synced once through the API."""
    tenant = make_tenant()
    write(
        tenant_files(Path(webserver["data_root"]), tenant.slug) / f"{tenant.slug}.csv",
        flights_csv(600),
    )
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
    editor.served(panel["id"])
    admin.http.close()
    yield {
        "tenant": tenant,
        "panel": panel,
        "editor": editor,
        "data": tenant_files(Path(webserver["data_root"]), tenant.slug),
    }
    editor.http.close()


def sign_in(page: Page, server: ApiServer, tenant: Any, role: str = "editor") -> None:
    page.goto(server.http + "/")
    page.get_by_label("Organisation").fill(tenant.slug)
    page.get_by_label("E-mail").fill(f"{role}@{tenant.slug}.example.com")
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Panels")).to_be_visible()


def add_filter(page: Page, column: str, op: str, value: str) -> None:
    """A first filter condition, through the labelled controls a user (or a screen reader) uses."""
    page.get_by_role("button", name="+ Add filter").click()
    condition = page.get_by_role("group", name="Condition 1")
    condition.get_by_label("Column").select_option(column)
    condition.get_by_label("Operator").select_option(op)
    condition.get_by_label("Value").fill(value)


def grid_rows(page: Page) -> Any:
    # A grid, or a tree grid when its rows are grouped.
    return page.locator("[role=grid], [role=treegrid]").locator(".grid-body [role=row]")


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
    add_filter(page, "carrier", "is", "AA")
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
    editor.served(panel["id"])
    expect(page.get_by_test_id("notice")).to_contain_text("Updated to version 2", timeout=20_000)
    expect(page.get_by_test_id("version")).to_have_text("2")
    expect(page.get_by_test_id("total")).to_have_text("640")
    assert abs(grid.evaluate("el => el.scrollTop") - before) < 5
    # The rows in sight are the new version's (every delay shifted by 1,000).
    assert min(int(v.replace(",", "")) for v in column_values(page, 3)) >= 980
    shot(page, "04-live-update")


def test_keyboard_moves_through_the_grid_and_export_downloads_the_view(page, server, flights):
    sign_in(page, server, flights["tenant"], role="viewer")
    page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
    grid = page.get_by_role("grid")
    expect(page.get_by_test_id("total")).not_to_have_text("\u2013")
    total = int(page.get_by_test_id("total").inner_text().replace(",", ""))
    # A viewer reads: no controls that would write.
    expect(page.get_by_role("button", name="Save as new view")).to_have_count(0)
    grid.focus()
    expect(grid).to_have_attribute("aria-activedescendant", "row-0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(grid).to_have_attribute("aria-activedescendant", "row-2")
    page.keyboard.press("PageDown")
    active = int(grid.get_attribute("aria-activedescendant").removeprefix("row-"))
    assert active > 10, "Page Down moves by a screenful"
    page.keyboard.press("End")
    # End goes to the last loaded row, which loads the next page: End again reaches further.
    expect(page.locator("#row-199")).to_be_visible()
    expect(page.get_by_text(f"400 of {total} rows loaded")).to_be_visible()
    page.keyboard.press("Home")
    expect(grid).to_have_attribute("aria-activedescendant", "row-0")
    expect(page.locator("#row-0")).to_be_in_viewport()

    # Export the shown rows (filtered) as CSV: the file parses back to the same rows.
    add_filter(page, "carrier", "is_any_of", "DL, UA")
    expect(page.get_by_test_id("total")).to_have_text(str(total // 2))
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    saved = Path(download.value.path()).read_text()
    lines = saved.strip().splitlines()
    assert lines[0].split(",")[:2] == ["id", "carrier"]
    assert len(lines) == 1 + total // 2
    assert {line.split(",")[1] for line in lines[1:]} == {"DL", "UA"}
    assert download.value.suggested_filename.startswith("flights-v")


def test_bad_input_is_explained_and_other_tenants_see_nothing(page, server, flights, make_tenant):
    tenant = flights["tenant"]
    page.goto(server.http + "/")
    page.get_by_label("Organisation").fill(tenant.slug)
    page.get_by_label("E-mail").fill(f"viewer@{tenant.slug}.example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong organisation, e-mail or password.")

    # A filter value of the wrong type: the API's 422 names the field, the page shows it.
    sign_in(page, server, tenant, role="viewer")
    page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
    add_filter(page, "dep_delay", "gt", "late")
    expect(page.get_by_role("alert")).to_contain_text("filter")
    shot(page, "05-bad-filter")

    # Someone of another tenant, given the link, gets a not-found and no rows.
    other = make_tenant()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, other, role="admin")
    expect(page.get_by_role("navigation", name="Panels").get_by_role("link")).to_have_count(0)
    page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
    expect(page.get_by_role("alert")).to_contain_text("does not exist")
    expect(page.get_by_role("grid")).to_have_count(0)


def test_the_page_fits_a_phone(browser, server, flights) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, server, flights["tenant"], role="viewer")
        page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
        grid = page.get_by_role("grid")
        expect(grid).to_be_visible()
        box = grid.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391
        nav = page.get_by_role("navigation", name="Panels").bounding_box()
        assert nav is not None and nav["y"] + nav["height"] <= box["y"], "the list sits above"
        shot(page, "06-phone")
        # The chart and its settings fit too.
        page.get_by_role("group", name="Show as").get_by_role("button", name="Chart").click()
        canvas = page.get_by_role("img", name="Bar chart of")
        expect(canvas).to_be_visible()
        for part in (canvas, page.get_by_role("group", name="Chart", exact=True)):
            box = part.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "06-phone-chart")
    finally:
        context.close()


def test_the_page_is_served_with_a_strict_policy(client, settings, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from serving.api.app import create_app

    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    script = page.text.split('src="')[1].split('"')[0]
    asset = client.get(script)
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/assets/missing.js").status_code == 404
    # Not built: the API still serves, and the page says what to run.
    with TestClient(create_app(settings.model_copy(update={"web_dir": tmp_path}))) as bare:
        missing = bare.get("/")
        assert missing.status_code == 503
        assert "make web" in missing.text
        assert bare.get("/health").status_code == 200


AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.x A/AA rules over the page as it is now: what fails, and where."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})"
    )
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_the_pages_pass_axe_accessibility_rules(browser, server, flights) -> None:
    # axe is injected as a script: the page's policy (rightly) refuses that, so bypass it here.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(server.http + "/")
        expect(page.get_by_role("form", name="Sign in")).to_be_visible()
        assert axe_violations(page) == []
        sign_in(page, server, flights["tenant"])
        page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
        expect(page.get_by_role("grid")).to_be_visible()
        page.get_by_role("button", name="+ Add filter").click()
        page.get_by_text("Columns (").click()
        expect(page.get_by_role("list", name="Columns")).to_be_visible()
        assert axe_violations(page) == []
        # Grouped, with a group collapsed; then the same rows as a chart with its settings.
        page.get_by_text("Columns (").click()
        page.get_by_label("Group by").select_option("carrier")
        page.get_by_role("treegrid").locator(".grid-row.group").first.click()
        expect(page.get_by_role("treegrid").locator("[aria-expanded=false]")).to_have_count(1)
        assert axe_violations(page) == []
        page.get_by_role("group", name="Show as").get_by_role("button", name="Chart").click()
        expect(page.get_by_role("img", name="Bar chart of")).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_label("Chart type").select_option("histogram")
        expect(page.get_by_role("img", name="Histogram of")).to_be_visible()
        assert axe_violations(page) == []
        # The harness does see faults: an unlabelled field is reported.
        page.evaluate("document.querySelector('main').append(document.createElement('input'))")
        assert any(v.startswith("label:") for v in axe_violations(page))
    finally:
        context.close()


def test_a_grouped_view_shows_group_headers_and_its_totals(page, server, flights) -> None:
    panel, editor = flights["panel"], flights["editor"]
    view = editor.ok(
        "POST",
        f"/panels/{panel['id']}/views",
        json={
            "name": "By carrier",
            "group_by": ["carrier"],
            "aggregates": [{"column": "dep_delay", "function": "max"}],
        },
    )
    expected = editor.ok("GET", f"/panels/{panel['id']}/aggregates?view={view['id']}")
    counts = editor.ok("GET", f"/panels/{panel['id']}/aggregates?group_by=carrier")
    first = counts["groups"][0]  # groups come in ascending order: AA first
    sign_in(page, server, flights["tenant"], role="viewer")
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={view['id']}")
    header = page.locator(".grid-row.group").first
    expect(header).to_contain_text(f"Carrier: {first['group']['carrier']}")
    expect(header).to_contain_text(f"{first['values']['count']} rows")
    worst = expected["groups"][0]["values"]["max:dep_delay"]
    expect(header).to_contain_text(f"max Dep Delay {worst:,}")
    footer = expected["footer"]["max:dep_delay"]
    expect(page.get_by_test_id("summary")).to_have_text(f"max Dep Delay {footer:,}")
    # The rows under the first header are all of its group.
    carriers = column_values(page, 2)
    assert carriers[0] == first["group"]["carrier"]
    shot(page, "07-grouped")
    # Grouping from the toolbar: none, then by Cancelled.
    page.get_by_label("Group by").select_option("")
    expect(page.locator(".grid-row.group")).to_have_count(0)
    page.get_by_label("Group by").select_option("cancelled")
    expect(page.locator(".grid-row.group").first).to_contain_text("Cancelled: false")


def test_a_disabled_account_is_signed_out_with_a_reason(page, server, make_tenant) -> None:
    tenant = make_tenant()
    admin = Api(server, tenant.admin)
    try:
        admin.ok("POST", "/panels", json={"slug": "p", "name": "Mine"})
        sign_in(page, server, tenant, role="viewer")
        expect(page.get_by_role("link", name="Mine").first).to_be_visible()
        viewer_id = str(tenant.users[Role.viewer])
        admin.ok("PATCH", f"/users/{viewer_id}", json={"is_active": False})
        page.get_by_role("navigation", name="Panels").get_by_role("link", name="Mine").click()
        expect(page.get_by_role("form", name="Sign in")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("Your session ended")
        # A pasted token that is not valid is refused with its own message.
        page.get_by_text("Sign in with a token").click()
        page.get_by_label("API token or JWT").fill("pnl_00000000000000000000000000000000_nope")
        page.get_by_role("button", name="Use token").click()
        expect(page.get_by_role("alert")).to_contain_text("That token is not valid")
    finally:
        admin.http.close()


DEPARTURES = """id,flight,departs,fare,day
1,AF 7,2013-01-01T10:00:00Z,1234.5,2013-01-02
2,DL 44,2013-07-01T22:30:00Z,88,2013-07-01
"""


@pytest.fixture(scope="module")
def departures(server, flights) -> dict[str, Any]:
    """A panel of the same tenant with datetimes, decimals and a daily schedule in Paris."""
    tenant, editor = flights["tenant"], flights["editor"]
    name = f"{tenant.slug}-departures.csv"
    write(Path(flights["data"]) / name, DEPARTURES)
    admin = Api(server, tenant.admin)
    panel = editor.ok(
        "POST",
        "/panels",
        json={
            "slug": "departures",
            "name": "Departures",
            "refresh_cron": "0 6 * * *",
            "timezone": "Europe/Paris",
        },
    )
    admin.ok(
        "POST",
        f"/panels/{panel['id']}/sources",
        json={"name": "csv", "kind": "file", "config": {"path": name}},
    )
    admin.http.close()
    for key, kind in [
        ("id", "integer"),
        ("flight", "text"),
        ("departs", "datetime"),
        ("fare", "number"),
        ("day", "date"),
    ]:
        editor.ok(
            "POST",
            f"/panels/{panel['id']}/columns",
            json={"key": key, "name": key.title(), "type": kind, "mapping": {"field": key}},
        )
    editor.served(panel["id"])
    return panel


def test_dates_numbers_and_schedules_read_as_the_viewer_expects(
    browser, server, flights, departures
) -> None:
    # A viewer in New York whose browser speaks German: the API sends ISO text and JSON numbers.
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="de-DE",
        timezone_id="America/New_York",
        bypass_csp=True,  # for axe, below
    )
    page = context.new_page()
    try:
        sign_in(page, server, flights["tenant"], role="viewer")
        card = page.get_by_role("link", name="Departures").last
        expect(card).to_contain_text("refreshes every day at 06:00 (Europe/Paris)")
        page.goto(f"{server.http}/#/panels/{departures['id']}")
        expect(page.get_by_test_id("schedule")).to_have_text("Every day at 06:00 (Europe/Paris)")
        expect(page.get_by_test_id("schedule")).to_have_attribute("title", "0 6 * * *")
        expect(page.get_by_test_id("total")).to_have_text("2")
        # 10:00 UTC is 05:00 in New York (winter), 22:30 UTC 18:30 (summer time).
        expect(grid_rows(page).first.locator("[aria-colindex='3']")).to_have_text(
            "01.01.2013, 05:00"
        )
        assert column_values(page, 3) == ["01.01.2013, 05:00", "01.07.2013, 18:30"]
        assert column_values(page, 4) == ["1.234,5", "88"]
        # A date is a calendar day: the same in every zone.
        assert column_values(page, 5) == ["02.01.2013", "01.07.2013"]
        cell = grid_rows(page).first.locator("[aria-colindex='3']")
        expect(cell).to_have_attribute("title", "2013-01-01T10:00:00Z")
        shot(page, "08-viewer-zone")

        # The panel's own zone, Paris: 11:00 in winter, 00:30 the next day in summer.
        switch = page.get_by_role("group", name="Times in")
        expect(switch.get_by_role("radio", name="Mine (America/New_York)")).to_be_checked()
        switch.get_by_role("radio", name="Panel's (Europe/Paris)").check()
        expect(cell).to_have_text("01.01.2013, 11:00")
        assert column_values(page, 3) == ["01.01.2013, 11:00", "02.07.2013, 00:30"]
        assert column_values(page, 5) == ["02.01.2013", "01.07.2013"]
        assert axe_violations(page) == []
        # The choice stays with this browser.
        page.reload()
        expect(grid_rows(page).first.locator("[aria-colindex='3']")).to_have_text(
            "01.01.2013, 11:00"
        )
        shot(page, "09-panel-zone")
    finally:
        context.close()


def test_the_page_and_the_api_serve_an_icon(page, server) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(server.http + "/")
    expect(page.get_by_role("form", name="Sign in")).to_be_visible()
    linked = page.locator("link[rel=icon]").get_attribute("href")
    assert linked == "/favicon.svg"
    for path in (linked, "/favicon.ico"):
        icon = page.request.get(server.http + path)
        assert icon.status == 200, path
        assert icon.headers["content-type"].startswith("image/svg+xml"), path
        assert icon.body().startswith(b"<svg"), path
    assert missing == []


def drawn(page: Page) -> list[dict[str, Any]]:
    """What the chart draws, from its table for screen readers: key, value, filled in or not."""
    rows = page.get_by_test_id("chart-data").locator("tbody tr")
    return rows.evaluate_all(
        """rows => rows.map(r => ({
            key: r.getAttribute('data-key'),
            value: r.getAttribute('data-value'),
            filled: r.hasAttribute('data-filled'),
        }))"""
    )


def answered(answer: dict[str, Any], key: str, label: str) -> list[tuple[str | None, float | None]]:
    """``/aggregates``' groups as (key as the page writes it, value)."""
    out = []
    for group in answer["groups"]:
        value = group["values"][label]
        out.append(
            (
                None if group["group"][key] is None else str(group["group"][key]),
                None if value is None else float(value),
            )
        )
    return out


def shown(rows: list[dict[str, Any]]) -> list[tuple[str | None, float | None]]:
    """The drawn values that are groups of the answer (not empty buckets filled in)."""
    return [
        (r["key"], None if r["value"] == "" else float(r["value"])) for r in rows if not r["filled"]
    ]


def chart_view(editor: Api, panel_id: str, name: str, chart: dict[str, Any], **more: Any) -> Any:
    return editor.ok(
        "POST", f"/panels/{panel_id}/views", json={"name": name, "chart": chart, **more}
    )


def test_a_saved_bar_chart_view_opens_as_its_chart(page, server, flights) -> None:
    panel, editor = flights["panel"], flights["editor"]
    chart = {
        "kind": "bar",
        "dimension": "carrier",
        "measure": {"column": "dep_delay", "function": "avg"},
        "bucket": None,
    }
    view = chart_view(editor, panel["id"], "Average delay by carrier", chart)
    assert view["chart"] == chart
    expected = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "carrier", "aggregates": "avg:dep_delay"},
    )
    sign_in(page, server, flights["tenant"], role="viewer")
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={view['id']}")
    switch = page.get_by_role("group", name="Show as")
    expect(switch.get_by_role("button", name="Chart")).to_have_attribute("aria-pressed", "true")
    expect(switch.get_by_role("button", name="Grid")).to_have_attribute("aria-pressed", "false")
    canvas = page.get_by_role("img", name="Bar chart of average of dep delay by Carrier")
    expect(canvas).to_have_attribute("aria-label", re.compile(r": 4 bars$"))
    expect(page.locator(".grid")).to_have_count(0)
    # Exactly the groups and values /aggregates gives, in its order (ascending carriers).
    assert shown(drawn(page)) == answered(expected, "carrier", "avg:dep_delay")
    assert [r["key"] for r in drawn(page)] == ["AA", "B6", "DL", "UA"]
    # The canvas is drawn at the size of its box (Chart.js sizes it through the CSSOM).
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200
    shot(page, "10-chart-bar")
    # Back to the grid and again to the chart: the settings stay.
    switch.get_by_role("button", name="Grid").click()
    expect(page.get_by_role("grid")).to_be_visible()
    switch.get_by_role("button", name="Chart").click()
    expect(canvas).to_be_visible()
    # A filter that leaves no rows: the chart says so.
    add_filter(page, "carrier", "is", "ZZ")
    expect(page.get_by_test_id("chart-empty")).to_have_text(re.compile("^No rows to chart"))
    expect(canvas).to_have_count(0)


def test_a_line_chart_by_month_and_a_histogram_draw_what_aggregates_gives(
    page, server, flights
) -> None:
    panel, editor = flights["panel"], flights["editor"]
    line = chart_view(
        editor,
        panel["id"],
        "Flights per month",
        {"kind": "line", "dimension": "day", "measure": None, "bucket": "month"},
    )
    histogram = chart_view(
        editor,
        panel["id"],
        "Delays",
        {"kind": "histogram", "dimension": "dep_delay", "measure": None, "bucket": None},
    )
    monthly = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "day", "bucket": "month", "aggregates": "count"},
    )
    sign_in(page, server, flights["tenant"], role="viewer")
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={line['id']}")
    canvas = page.get_by_role("img", name="Line chart of count of rows by month of Day")
    expect(canvas).to_be_visible()
    expect(page.get_by_label("Time unit")).to_have_value("month")
    assert shown(drawn(page)) == answered(monthly, "day", "count")
    assert drawn(page)[0]["key"] == "2013-01-01"
    shot(page, "11-chart-line")

    # A histogram of the delays: the page picks a "nice" width giving about 20 bins.
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={histogram['id']}")
    canvas = page.get_by_role("img", name="Histogram of count of rows by Dep Delay in bins of")
    expect(canvas).to_be_visible()
    label = canvas.get_attribute("aria-label") or ""
    width = int(re.search(r"bins of ([\d,]+):", label)[1].replace(",", ""))
    span = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"aggregates": "min:dep_delay,max:dep_delay"},
    )["footer"]
    assert str(width).strip("0") in ("1", "2", "5"), "1, 2 or 5 times a power of ten"
    assert 10 <= (span["max:dep_delay"] - span["min:dep_delay"]) / width <= 40
    binned = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "dep_delay", "bucket": str(width), "aggregates": "count"},
    )
    rows = drawn(page)
    assert shown(rows) == answered(binned, "dep_delay", "count")
    assert all(r["value"] == "0" for r in rows if r["filled"]), "an empty bin shows 0 rows"
    keys = [int(r["key"]) for r in rows]
    assert keys == list(range(keys[0], keys[-1] + 1, width)), "bins side by side, none missing"
    shot(page, "12-chart-histogram")

    # A width of one's own: the values of that bucket.
    page.get_by_label("Bin width").fill("50")
    expect(page.get_by_role("img", name="in bins of 50:")).to_be_visible()
    by_50 = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "dep_delay", "bucket": "50", "aggregates": "count"},
    )
    assert shown(drawn(page)) == answered(by_50, "dep_delay", "count")


def test_chart_settings_chosen_in_the_page_are_saved_with_the_view(page, server, flights) -> None:
    panel, editor = flights["panel"], flights["editor"]
    sign_in(page, server, flights["tenant"])
    page.goto(f"{server.http}/#/panels/{panel['id']}")
    expect(page.get_by_role("grid")).to_be_visible()
    page.get_by_role("group", name="Show as").get_by_role("button", name="Chart").click()
    # A first chart: the count of rows by the first text column.
    expect(page.get_by_role("img", name="Bar chart of count of rows by Carrier")).to_be_visible()
    settings = page.get_by_role("group", name="Chart", exact=True)
    settings.get_by_label("Chart type").select_option("line")
    expect(settings.get_by_label("Dimension")).to_have_value("day")
    settings.get_by_label("Time unit").select_option("week")
    settings.get_by_role("combobox", name="Measure", exact=True).select_option("max")
    settings.get_by_label("Measure column").select_option("dep_delay")
    canvas = page.get_by_role("img", name="Line chart of maximum of dep delay by week of Day")
    expect(canvas).to_be_visible()
    weekly = editor.ok(
        "GET",
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "day", "bucket": "week", "aggregates": "max:dep_delay"},
    )
    assert shown(drawn(page)) == answered(weekly, "day", "max:dep_delay")
    page.get_by_label("New view name").fill("Worst delay per week")
    page.get_by_role("button", name="Save as new view").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved view “Worst delay per week”")
    views = editor.ok("GET", f"/panels/{panel['id']}/views")["data"]
    (view,) = [v for v in views if v["name"] == "Worst delay per week"]
    assert view["chart"] == {
        "kind": "line",
        "dimension": "day",
        "measure": {"column": "dep_delay", "function": "max"},
        "bucket": "week",
    }
    # Reloaded, the view opens as that chart.
    page.reload()
    expect(canvas).to_be_visible()

    # A bin width the API refuses: its own message, next to the chart's settings.
    settings.get_by_label("Chart type").select_option("histogram")
    # The measure's column fits a histogram: it stays the dimension.
    expect(settings.get_by_label("Dimension")).to_have_value("dep_delay")
    settings.get_by_label("Bin width").fill("0")
    refused = editor.http.get(
        f"/panels/{panel['id']}/aggregates",
        params={"group_by": "dep_delay", "bucket": "0", "aggregates": "max:dep_delay"},
    )
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "query.bucket"
    alert = settings.get_by_role("alert")
    expect(alert).to_contain_text(error["message"])
    shot(page, "13-chart-refused")
    settings.get_by_label("Bin width").fill("25")
    expect(alert).to_have_count(0)
    expect(page.get_by_role("img", name="in bins of 25:")).to_be_visible()

    # Shown as a grid and saved: the view is a grid again.
    page.get_by_role("group", name="Show as").get_by_role("button", name="Grid").click()
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved view “Worst delay per week”")
    assert editor.ok("GET", f"/panels/{panel['id']}/views/{view['id']}")["chart"] is None


def group_headers(page: Page) -> Any:
    return page.get_by_role("treegrid").locator(".grid-row.group")


def test_collapsing_a_group_hides_its_rows(page, server, flights) -> None:
    panel, editor = flights["panel"], flights["editor"]
    view = editor.ok(
        "POST",
        f"/panels/{panel['id']}/views",
        json={"name": "Carriers, collapsible", "group_by": ["carrier"]},
    )
    sign_in(page, server, flights["tenant"], role="viewer")
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={view['id']}")
    first = group_headers(page).first
    expect(first).to_contain_text("Carrier: AA")
    expect(first).to_have_attribute("aria-expanded", "true")
    assert column_values(page, 2)[0] == "AA"
    first.click()
    expect(first).to_have_attribute("aria-expanded", "false")
    # The next line is the next group's header: none of AA's rows is shown.
    expect(group_headers(page).nth(1)).to_contain_text("Carrier: B6")
    expect(page.locator("#row-1")).to_have_class(re.compile(r"\bgroup\b"))
    assert "AA" not in column_values(page, 2)
    shot(page, "14-group-collapsed")

    # The keyboard: the header is the active row; Enter expands it, Space collapses it.
    grid = page.get_by_role("treegrid", name="Flights rows")
    grid.focus()
    page.keyboard.press("Home")
    expect(grid).to_have_attribute("aria-activedescendant", "row-0")
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#row-1 [aria-colindex='2']")).to_have_text("AA")
    page.keyboard.press("Space")
    expect(first).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("aria-expanded", "true")

    # Collapse all: only the headers, every one collapsed; expand all brings the rows back.
    page.get_by_role("button", name="Collapse all groups").click()
    expect(group_headers(page)).to_have_count(4)
    expect(grid_rows(page)).to_have_count(4)
    for i in range(4):
        expect(group_headers(page).nth(i)).to_have_attribute("aria-expanded", "false")
    shot(page, "15-groups-all-collapsed")
    page.get_by_role("button", name="Expand all groups").click()
    expect(first).to_have_attribute("aria-expanded", "true")
    assert column_values(page, 2)[0] == "AA"


def test_a_chart_and_collapsed_groups_follow_a_sync_live(browser, page, server, flights) -> None:
    tenant, panel, editor = flights["tenant"], flights["panel"], flights["editor"]
    view = chart_view(
        editor,
        panel["id"],
        "Flights by carrier",
        {"kind": "bar", "dimension": "carrier", "measure": None, "bucket": None},
        group_by=["carrier"],
    )
    sign_in(page, server, tenant, role="viewer")
    page.goto(f"{server.http}/#/panels/{panel['id']}?view={view['id']}")
    expect(page.get_by_role("img", name="Bar chart of count of rows by Carrier")).to_be_visible()
    expect(page.get_by_test_id("live")).to_have_text("live")
    before = {r["key"]: r["value"] for r in drawn(page)}
    # The same view as a grid in another tab, with a group collapsed.
    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        sign_in(other, server, tenant, role="viewer")
        other.goto(f"{server.http}/#/panels/{panel['id']}?view={view['id']}")
        other.get_by_role("group", name="Show as").get_by_role("button", name="Grid").click()
        group_headers(other).first.click()
        expect(group_headers(other).first).to_have_attribute("aria-expanded", "false")
        expect(other.get_by_test_id("live")).to_have_text("live")

        write(Path(flights["data"]) / f"{tenant.slug}.csv", flights_csv(800))
        editor.served(panel["id"])
        after = editor.ok(
            "GET",
            f"/panels/{panel['id']}/aggregates",
            params={"group_by": "carrier", "aggregates": "count"},
        )
        assert {g["values"]["count"] for g in after["groups"]} == {200}
        expect(page.get_by_test_id("notice")).to_contain_text("Updated to version", timeout=20_000)
        expect(page.get_by_test_id("chart-data").locator("tbody tr").first).to_have_attribute(
            "data-value", "200"
        )
        assert shown(drawn(page)) == answered(after, "carrier", "count")
        assert before != {r["key"]: r["value"] for r in drawn(page)}
        shot(page, "16-chart-live")
        # The other tab reloaded its rows and kept the group collapsed.
        expect(other.get_by_test_id("total")).to_have_text("800", timeout=20_000)
        expect(group_headers(other).first).to_have_attribute("aria-expanded", "false")
        expect(group_headers(other).first).to_contain_text("200 rows")
        assert "AA" not in column_values(other, 2)
    finally:
        other.context.close()
