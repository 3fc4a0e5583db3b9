"""The page's formula column editor, in real headless Chromium through the real page.

An editor writes a formula with the suggestions (keyboard only), sees the values the API
computes for it, sees a mistake explained and underlined, saves it, and sees the column fill at
the next sync; editing a formula column starts from its formula; a viewer gets no editor. The
fixtures (a real `panels serve`, a synced 600-row panel) are test_web.py's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests import test_web
from tests.test_web import Api, axe_violations, grid_rows, shot, sign_in

# test_web.py's fixtures, shared: a real `panels serve`, Chromium, a page, the Flights panel.
server, browser, page, flights = test_web.server, test_web.browser, test_web.page, test_web.flights

pytestmark = pytest.mark.slow


def open_columns_menu(page: Page, server: Any, flights: dict[str, Any], role: str) -> None:
    sign_in(page, server, flights["tenant"], role=role)
    page.goto(f"{server.http}/#/panels/{flights['panel']['id']}")
    expect(page.get_by_role("grid")).to_be_visible()
    page.get_by_text("Columns (").click()
    expect(page.get_by_role("list", name="Columns")).to_be_visible()


def preview(editor: Api, panel_id: str, formula: str, **more: Any) -> Any:
    return editor.ok(
        "POST", f"/panels/{panel_id}/formula-preview", json={"formula": formula, **more}
    )


def refused(editor: Api, panel_id: str, formula: str) -> dict[str, Any]:
    answer = editor.http.post(f"/panels/{panel_id}/formula-preview", json={"formula": formula})
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["field"] == "body.formula"
    return error


def shown_values(dialog: Locator, formula: str) -> list[tuple[int, Any]]:
    """(row id, value) of the preview table, once it shows the values of `formula`."""
    expect(dialog.get_by_test_id("preview-of")).to_have_attribute("data-formula", formula)
    expect(dialog.get_by_test_id("preview-of")).not_to_have_class("stale")
    return [
        (int(r), v)
        for r, v in dialog.get_by_test_id("preview")
        .locator("tbody tr")
        .evaluate_all(
            "rows => rows.map(r => [r.dataset.rowId,"
            " JSON.parse(r.querySelector('td.value').dataset.value)])"
        )
    ]


def text_before(mark: Locator) -> str:
    """The mirror's text before the underlined mark."""
    return mark.evaluate(
        "m => { const r = document.createRange(); r.setStart(m.parentNode, 0);"
        " r.setEndBefore(m); return r.toString(); }"
    )


def test_an_editor_writes_a_formula_with_suggestions_sees_values_and_errors_and_saves(
    page, server, flights
) -> None:
    panel, editor = flights["panel"], flights["editor"]
    functions = {f["name"]: f for f in editor.ok("GET", "/formulas/functions")["data"]}
    open_columns_menu(page, server, flights, "editor")
    page.get_by_role("button", name="New formula column…").click()
    dialog = page.get_by_role("dialog", name="New formula column")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Delay hours")
    expect(dialog.get_by_label("Key")).to_have_value("delay_hours")  # from the name
    formula = dialog.get_by_role("textbox", name="Formula")
    formula.focus()

    # A name: the functions starting with it, the first highlighted, its usage beside.
    page.keyboard.type("RO")
    listbox = dialog.get_by_role("listbox", name="Functions")
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("ROUND")
    offered = [n.split()[0] for n in options.all_inner_texts()]
    # Those starting with what is typed first, then those containing it (FROMNOW, ERROR…).
    assert offered[:3] == ["ROUND", "ROUNDDOWN", "ROUNDUP"]
    assert sorted(offered) == sorted(n for n in functions if "RO" in n)
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(formula).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    detail = dialog.get_by_test_id("suggestion-detail")
    expect(detail).to_contain_text(functions["ROUND"]["usage"])
    expect(detail).to_contain_text(functions["ROUND"]["description"])
    shot(page, "19-formula-suggestions")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(detail).to_contain_text(functions["ROUNDDOWN"]["usage"])
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")  # accepts ROUND, the caret inside its parenthesis
    expect(formula).to_have_value("ROUND(")
    expect(listbox).to_be_hidden()
    expect(formula).to_be_focused()

    # `{`: the panel's columns; the arrows move to Dep Delay, Enter writes its reference.
    page.keyboard.type("{")
    columns = dialog.get_by_role("listbox", name="Columns").get_by_role("option")
    expect(columns).to_have_count(6)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(columns.nth(2)).to_have_attribute("aria-selected", "true")
    expect(columns.nth(2)).to_contain_text("Dep Delay")
    expect(formula).to_have_attribute("aria-activedescendant", columns.nth(2).get_attribute("id"))
    page.keyboard.press("Enter")
    expect(formula).to_have_value("ROUND({dep_delay}")
    page.keyboard.type(" / 60, 1)")
    good = "ROUND({dep_delay} / 60, 1)"
    expect(formula).to_have_value(good)

    # The values beside it are the API's for the same formula, with the column it reads.
    expected = preview(editor, panel["id"], good, limit=10)
    assert shown_values(dialog, good) == [(r["row_id"], r["value"]) for r in expected["rows"]]
    table = dialog.get_by_test_id("preview")
    expect(table.locator("thead th")).to_have_text(["Dep Delay", "Delay hours"])
    expect(table.locator("tbody td:first-child")).to_have_text(
        [str(r["inputs"]["dep_delay"]) for r in expected["rows"]]
    )
    expect(dialog.get_by_test_id("preview-type")).to_have_text(expected["type"])
    expect(dialog.get_by_test_id("preview-summary")).to_contain_text(
        f"the first 10 rows of version {expected['version']}"
    )
    shot(page, "20-formula-preview")

    # A mistake: the API's message and hint, the mistaken reference underlined where it is.
    formula.press("Control+a")
    bad = "ROUND({dep_dela} / 60, 1)"
    page.keyboard.type(bad)
    error = refused(editor, panel["id"], bad)
    expect(dialog.get_by_test_id("formula-error")).to_have_text(error["message"])
    expect(dialog.get_by_test_id("formula-hint")).to_have_text(f"Hint: {error['hint']}")
    mark = dialog.get_by_test_id("formula-mark")
    expect(mark).to_have_text("{dep_dela}")
    assert text_before(mark) == bad[: error["position"]] == "ROUND("
    expect(formula).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_test_id("preview-of")).to_have_count(0)
    # The underline lies under those characters of the textarea (same font, same wrapping).
    box, area = mark.bounding_box(), formula.bounding_box()
    assert box is not None and area is not None
    width = box["width"] / len("{dep_dela}")
    assert abs(box["x"] - area["x"] - 9 - 6 * width) < 2  # border 1 + padding 8, 6 characters
    assert area["y"] < box["y"] < area["y"] + area["height"]
    shot(page, "21-formula-error")

    # Fixed by typing the missing letter; Escape closes the suggestions, not the dialog.
    page.keyboard.press("Home")
    for _ in range(len("ROUND({dep_dela")):
        page.keyboard.press("ArrowRight")
    page.keyboard.type("y")
    expect(dialog.get_by_role("listbox", name="Columns")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog.get_by_role("listbox")).to_be_hidden()
    expect(dialog).to_be_visible()
    expect(formula).to_have_value(good)
    expect(dialog.get_by_test_id("formula-error")).to_have_count(0)
    expect(mark).to_have_count(0)
    assert shown_values(dialog, good) == [(r["row_id"], r["value"]) for r in expected["rows"]]

    # Saved: the dialog closes, the page says values come with the sync, the API has it.
    dialog.get_by_role("button", name="Add column").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("notice")).to_have_text(
        "Added formula column “Delay hours”: it has no values until the panel syncs"
    )
    saved = {c["key"]: c for c in editor.ok("GET", f"/panels/{panel['id']}/columns")["data"]}
    assert saved["delay_hours"]["formula"] == good
    assert saved["delay_hours"]["type"] == "number"
    assert saved["delay_hours"]["name"] == "Delay hours"
    menu = page.get_by_role("list", name="Columns")
    expect(menu.get_by_role("checkbox", name="Delay hours")).to_be_checked()
    expect(menu.get_by_role("listitem").filter(has_text="Delay hours")).to_contain_text(
        "after the next sync"
    )
    # The grid keeps its rows (the current version has no such column yet) and no error.
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Delay hours")).to_have_count(0)
    expect(grid_rows(page).first).to_be_visible()

    # The next sync fills it: the column shows, with the values the preview showed.
    editor.served(panel["id"])
    header = page.get_by_role("columnheader", name="Delay hours")
    expect(header).to_be_visible(timeout=20_000)
    index = header.get_attribute("aria-colindex")
    first = grid_rows(page).locator(f"[aria-colindex='{index}']")
    expect(first.first).not_to_have_text("")
    values = [float(t) if t else None for t in first.all_inner_texts()[:10]]
    # (The grid shows up to 6 decimals: ROUND's 0.30000000000000004 reads 0.3.)
    assert values == [
        None if r["value"] is None else round(r["value"], 6) for r in expected["rows"]
    ]
    expect(menu.get_by_text("after the next sync")).to_have_count(0)
    shot(page, "22-formula-column-synced")


def test_editing_a_formula_column_starts_from_its_formula_and_saves_the_change(
    page, server, flights
) -> None:
    panel, editor = flights["panel"], flights["editor"]
    columns = editor.ok("GET", f"/panels/{panel['id']}/columns")["data"]
    late = next(c for c in columns if c["key"] == "late")
    open_columns_menu(page, server, flights, "editor")
    menu = page.get_by_role("list", name="Columns")
    # Only formula columns have an editor.
    expect(menu.get_by_role("button", name=re.compile("^Edit formula of"))).to_have_count(
        sum(1 for c in columns if c["formula"] is not None)
    )
    menu.get_by_role("button", name="Edit formula of Late").click()
    dialog = page.get_by_role("dialog", name="Edit formula of “Late”")
    formula = dialog.get_by_role("textbox", name="Formula")
    expect(formula).to_have_value(late["formula"])
    expect(dialog.get_by_label("Name")).to_have_value("Late")
    expect(dialog.get_by_label("Type")).to_have_value("boolean")
    expect(dialog.get_by_label("Key")).to_have_count(0)  # a key is not changed here
    expect(formula).to_be_focused()
    expected = preview(editor, panel["id"], late["formula"], key="late", type="boolean", limit=10)
    assert shown_values(dialog, late["formula"]) == [
        (r["row_id"], r["value"]) for r in expected["rows"]
    ]

    # The column itself is not offered: a formula reading itself is a cycle.
    formula.press("Control+a")
    page.keyboard.type("{")
    options = dialog.get_by_role("listbox", name="Columns").get_by_role("option")
    expect(options).to_have_count(len(columns) - 1)
    assert not any("Late" in text for text in options.all_inner_texts())
    page.keyboard.press("Escape")
    page.keyboard.type("dep_delay} >= 90")
    changed = "{dep_delay} >= 90"
    expected = preview(editor, panel["id"], changed, key="late", type="boolean", limit=10)
    assert shown_values(dialog, changed) == [(r["row_id"], r["value"]) for r in expected["rows"]]
    dialog.get_by_role("button", name="Save formula").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("notice")).to_have_text(
        "Saved the formula of “Late”: its values change at the next sync"
    )
    after = editor.ok("GET", f"/panels/{panel['id']}/columns/{late['id']}")
    assert (after["formula"], after["type"], after["name"]) == (changed, "boolean", "Late")

    # Opened again, it shows the saved formula.
    menu.get_by_role("button", name="Edit formula of Late").click()
    expect(dialog.get_by_role("textbox", name="Formula")).to_have_value(changed)
    page.keyboard.press("Escape")  # no suggestions open: closes the dialog
    expect(dialog).to_have_count(0)


def test_a_viewer_gets_no_formula_editor(page, server, flights) -> None:
    open_columns_menu(page, server, flights, "viewer")
    expect(page.get_by_role("button", name="New formula column…")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Edit formula"))).to_have_count(0)
    viewer = Api(server, flights["tenant"].viewer)
    try:
        answer = viewer.http.post(
            f"/panels/{flights['panel']['id']}/formula-preview", json={"formula": "1"}
        )
        assert answer.status_code == 403
    finally:
        viewer.http.close()


def test_the_formula_editor_passes_axe_accessibility_rules(browser, server, flights) -> None:
    # axe is injected as a script: the page's policy (rightly) refuses that, so bypass it here.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        open_columns_menu(page, server, flights, "editor")
        page.get_by_role("button", name="New formula column…").click()
        dialog = page.get_by_role("dialog", name="New formula column")
        dialog.get_by_label("Name").fill("Check")
        dialog.get_by_role("textbox", name="Formula").focus()
        # An error underlined and the suggestions open at once.
        page.keyboard.type("IF({dep_delay} > 9, 'late', {carrier}) & LO")
        expect(dialog.get_by_test_id("formula-mark")).to_have_text("LO")
        expect(dialog.get_by_role("listbox", name="Functions")).to_be_visible()
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
        dialog.get_by_role("textbox", name="Formula").fill("IF({dep_delay} > 9, 'late', 'ok')")
        expect(dialog.get_by_test_id("preview")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()
