"""The filter operators are defined once (core/filters.py): the API compiles every one of them,
publishes the table, and the page builds its filter editor from that table alone."""

from __future__ import annotations

import re

from clients.generate import TYPESCRIPT
from core.enums import ColumnType
from core.filters import BY_TYPE, OPERATORS, Takes
from core.settings import PROJECT_ROOT
from serving.reads.filters import SQL

URL = "/api/v1/filter-operators"
WEB_SRC = PROJECT_ROOT / "web" / "src"


def test_the_api_publishes_the_operator_table(client, tenant) -> None:
    response = client.get(URL, headers=tenant.viewer)
    assert response.status_code == 200, response.text
    table = response.json()
    assert table["operators"] == {
        name: {"label": op.label, "takes": op.takes.value} for name, op in OPERATORS.items()
    }
    assert table["operators"]["between"] == {"label": "between", "takes": "pair"}
    editor = ["is_true", "is_false", "is_empty", "is_not_empty"]
    assert table["types"]["boolean"] == {
        "operators": [*editor, "is", "is_not", "is_any_of", "is_none_of"],  # the API's only
        "editor": editor,
    }
    assert table["types"]["text"]["editor"][0] == "contains"  # a new text condition's
    assert set(table["types"]) == {t.value for t in ColumnType}
    assert client.get(URL).status_code == 401
    refused = client.get(f"{URL}?type=text", headers=tenant.viewer)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "query.type"


def test_every_operator_compiles_and_belongs_to_a_column_type() -> None:
    assert set(SQL) == set(OPERATORS)
    assert set(BY_TYPE) == set(ColumnType)
    offered: set[str] = set()
    for ops in BY_TYPE.values():
        assert len(set(ops.all)) == len(ops.all)
        offered |= set(ops.all)
    assert offered == set(OPERATORS)


def test_the_page_holds_no_operator_list_and_reads_the_apis() -> None:
    # The generated schema (web/src/api-schema.ts, the drift check holds it to the API) quotes
    # the server's examples, operators among them: it is the API's word, not a list of the page.
    generated = PROJECT_ROOT / TYPESCRIPT
    sources = {p.name: p.read_text() for p in WEB_SRC.glob("*.ts*") if p != generated}
    assert "filters.ts" in sources and "FilterBar.tsx" in sources
    # No operator of the server is named in the page: which ones a column type offers, their
    # labels and the values they take come from GET /filter-operators.
    for name, text in sources.items():
        for op in OPERATORS:
            for quote in "\"'`":
                assert f"{quote}{op}{quote}" not in text, f"{name} names the operator {op!r}"
    assert '"/filter-operators"' in sources["filters.ts"]
    assert all(op.label for op in OPERATORS.values())
    # The page's editor knows every kind of value an operator may take, and every column type:
    # api.ts takes both from the generated schema, which spells them as the API does.
    schema = generated.read_text()
    for name, values in (("Takes", Takes), ("ColumnType", ColumnType)):
        assert re.search(rf'export type {name} = Schemas\["{name}"\];', sources["api.ts"]), name
        declared = re.search(rf"^\s+{name}: ([^;]+);", schema, re.MULTILINE)
        assert declared is not None, name
        assert set(re.findall(r'"(\w+)"', declared.group(1))) == {t.value for t in values}
