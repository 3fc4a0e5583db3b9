"""The API reference page (/docs) in Chromium, on a machine with no internet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.chromium import chromium, policy_violation
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(database_url) -> Iterator[ApiServer]:
    with api_server(database_url) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Visit:
    """A page with what went wrong on it: policy violations, errors, requests off this host."""

    def __init__(self, browser: Browser, server: ApiServer) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Page = self.context.new_page()
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.page.on(
            "console",
            lambda m: self.violations.append(m.text) if policy_violation(m) else None,
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

        def offline(route: Route) -> None:
            # As on a machine with no internet: anything but this server fails.
            if route.request.url.startswith(server.http):
                route.continue_()
            else:
                self.elsewhere.append(route.request.url)
                route.abort("internetdisconnected")

        self.page.route("**/*", offline)


@pytest.fixture
def visit(browser: Browser, server: ApiServer) -> Iterator[Visit]:
    opened = Visit(browser, server)
    yield opened
    opened.context.close()
    assert opened.violations == [], "the page's policy refused some of what it needs"
    assert opened.errors == [], "uncaught errors in the page"
    assert opened.elsewhere == [], "the page asked for something off this server"


def test_swagger_ui_lists_the_operations_offline(visit: Visit, server: ApiServer) -> None:
    page = visit.page
    response = page.goto(server.http + "/docs")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "http" not in policy, "no other origin is allowed"
    expect(page.get_by_role("heading", name="Panels API")).to_be_visible()
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/panels").first
    expect(operation).to_be_visible()
    # "Try it out" calls the API from the page (its policy lets it reach this origin).
    health = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="/health"))
    health = health.filter(has_not_text="/health/detailed").first
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")


def test_redoc_is_off_and_leads_to_the_reference(visit: Visit, server: ApiServer) -> None:
    # ReDoc always loads Redocly's logo from their CDN: it is turned off, not half-working.
    page = visit.page
    response = page.goto(server.http + "/redoc")
    assert response is not None and response.status == 200
    assert page.url == server.http + "/docs"
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/panels").first).to_be_visible()
