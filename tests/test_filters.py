"""Filters on the rows API: every operator on its column types, nesting, totals and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.pipeline_fixtures import write

TODAY = datetime.now(UTC).date()


@pytest.fixture
def panel(kit, sync_settings, files):
    days = [TODAY - timedelta(days=d) for d in (0, 1, 3, 10, 40)]
    lines = ["id,name,amount,flag,day,at"]
    names = ["Apple pie", "banana", "100%_pure", "", "apple"]
    amounts = ["1.5", "2", "", "10", "-3"]
    flags = ["true", "false", "true", "", "false"]
    for i in range(5):
        at = f"{days[i].isoformat()}T{8 + i:02d}:00:00Z"
        lines.append(
            f"{i + 1},{names[i]},{amounts[i]},{flags[i]},"
            f"{days[i].isoformat() if i != 3 else ''},{at}"
        )
    write(files / "typed.csv", "\n".join(lines) + "\n")
    k = kit()
    k.source(name="t", kind="file", config={"path": "typed.csv"})
    for key, type_ in (
        ("id", "integer"),
        ("name", "text"),
        ("amount", "number"),
        ("flag", "boolean"),
        ("day", "date"),
        ("at", "datetime"),
    ):
        k.column(key, type_)
    assert k.sync().success
    return k


def ids(k, condition, **params):
    response = k.client.get(
        f"{k.url}/rows",
        params={"filter": json.dumps(condition), "sort": "id", **params},
        headers=k.tenant.viewer,
    )
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def c(column, op, value=None):
    return {"column": column, "op": op, **({"value": value} if value is not None else {})}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (c("name", "is", "banana"), [2]),
        (c("name", "is_not", "banana"), [1, 3, 4, 5]),
        (c("name", "contains", "APPLE"), [1, 5]),
        (c("name", "does_not_contain", "apple"), [2, 3, 4]),
        (c("name", "contains", "%_"), [3]),  # LIKE wildcards are matched literally
        (c("name", "starts_with", "app"), [1, 5]),
        (c("name", "ends_with", "PIE"), [1]),
        (c("name", "is_empty"), [4]),
        (c("name", "is_not_empty"), [1, 2, 3, 5]),
        (c("name", "is_any_of", ["apple", "banana"]), [2, 5]),
        (c("name", "is_none_of", ["apple", "banana"]), [1, 3, 4]),
        (c("amount", "gt", 1.5), [2, 4]),
        (c("amount", "gte", 1.5), [1, 2, 4]),
        (c("amount", "lt", 2), [1, 5]),
        (c("amount", "lte", 2), [1, 2, 5]),
        (c("amount", "between", [0, 5]), [1, 2]),
        (c("amount", "is_empty"), [3]),
        (c("id", "is_any_of", [2, 4]), [2, 4]),
        (c("flag", "is_true"), [1, 3]),
        (c("flag", "is_false"), [2, 4, 5]),
        (c("day", "on_or_after", "yesterday"), [1, 2]),
        (c("day", "before", {"days_ago": 3}), [5]),
        (c("day", "is", "today"), [1]),
        (c("day", "within", {"past": 1, "unit": "weeks"}), [1, 2, 3]),
        (c("day", "within", {"next": 5}), [1]),
        (c("day", "is_empty"), [4]),
        (c("at", "is", TODAY.isoformat()), [1]),
        (c("at", "after", "yesterday"), [1]),
        (c("at", "on_or_before", "yesterday"), [2, 3, 4, 5]),
        (
            c("at", "between", [(TODAY - timedelta(days=3)).isoformat(), TODAY.isoformat()]),
            [1, 2, 3],
        ),
    ],
)
def test_operators(panel, condition, expected) -> None:
    assert ids(panel, condition) == expected


def test_and_or_nesting(panel) -> None:
    tree = {"or": [{"and": [c("flag", "is_true"), c("amount", "gt", 1)]}, c("name", "is", "apple")]}
    assert ids(panel, tree) == [1, 5]
    assert ids(panel, {"and": []}) == [1, 2, 3, 4, 5]


def test_a_filtered_total_is_counted_once_and_carried(panel) -> None:
    first = panel.client.get(
        f"{panel.url}/rows",
        params={"filter": json.dumps(c("amount", "is_not_empty")), "limit": 2, "sort": "id"},
        headers=panel.tenant.viewer,
    ).json()
    assert first["total"] == 4
    second = panel.client.get(
        f"{panel.url}/rows",
        params={
            "cursor": first["next_cursor"],
            "limit": 2,
            "filter": json.dumps(c("amount", "is_not_empty")),
        },
        headers=panel.tenant.viewer,
    ).json()
    assert second["total"] == 4
    assert [r["id"] for r in first["data"] + second["data"]] == [1, 2, 4, 5]


@pytest.mark.parametrize(
    ("condition", "field", "message"),
    [
        (c("nope", "is", 1), "query.filter.column", "no column 'nope'"),
        (c("amount", "contains", "1"), "query.filter.op", "does not apply to number columns"),
        (c("name", "frobnicate", "x"), "query.filter.op", "is not an operator"),
        (c("amount", "gt", "ten"), "query.filter.value", "'ten' is not a number"),
        (c("day", "after", "someday"), "query.filter.value", "is not a date"),
        (
            {"and": [c("id", "is", 1), c("flag", "is", "yes")]},
            "query.filter.and.1.value",
            "not true or false",
        ),
        (c("amount", "between", [1]), "query.filter.value", "[low, high]"),
        (c(["amount"], "is", 1), "query.filter.column", "a column key (a string)"),
        (c("amount", ["is"], 1), "query.filter.op", "an operator name (a string)"),
    ],
)
def test_bad_filters_are_422_naming_the_place(panel, condition, field, message) -> None:
    response = panel.client.get(
        f"{panel.url}/rows", params={"filter": json.dumps(condition)}, headers=panel.tenant.viewer
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert message in error["message"]


def test_values_are_bound_not_spliced(panel) -> None:
    assert ids(panel, c("name", "is", "x'; DROP TABLE panels; --")) == []
    assert panel.client.get(f"{panel.url}/rows", headers=panel.tenant.viewer).status_code == 200


def test_a_views_saved_filter_applies(panel) -> None:
    view = panel.client.post(
        f"{panel.url}/views",
        headers=panel.tenant.editor,
        json={"name": "positive", "filters": c("amount", "gt", 0)},
    ).json()
    body = panel.client.get(
        f"{panel.url}/rows", params={"view": view["id"], "sort": "id"}, headers=panel.tenant.viewer
    ).json()
    assert [r["id"] for r in body["data"]] == [1, 2, 4]
    assert body["total"] == 3


def test_invalid_json_filter(panel) -> None:
    response = panel.client.get(
        f"{panel.url}/rows", params={"filter": "{nope"}, headers=panel.tenant.viewer
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.filter"


def test_a_view_with_a_bad_filter_is_refused_when_saved(panel) -> None:
    response = panel.client.post(
        f"{panel.url}/views",
        headers=panel.tenant.editor,
        json={"name": "bad", "filters": {"or": [c("amount", "starts_with", "1")]}},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.filters.or.0.op"
