"""RECORD_ID(), CREATED_TIME(), LAST_MODIFIED_TIME(): what the formula engine does with a row's
metadata (a sync supplies it as input columns: tests/test_sync_row_metadata.py), in the
vectorised engine and the reference interpreter alike, and what the checker refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from core.enums import ColumnType as C
from formulas import (
    BatchFormulas,
    ColumnFormulaError,
    FormulaColumn,
    evaluate_columns,
    evaluate_reference,
    validate_columns,
)
from formulas.checker import row_local
from formulas.functions.record import CHANGED, CREATED, ROW_ID, changed_of

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
FIRST = datetime(2024, 5, 1, 8, tzinfo=UTC)
SECOND = datetime(2024, 5, 2, 8, tzinfo=UTC)
TIME = pl.Datetime("us", "UTC")
COLUMNS = {"price": C.number, "name": C.text}
NAMES = {"Price": "price", "Name": "name"}
ALL_NAMES = {**NAMES, "Made": "made", "Label": "label", "Double": "double"}
FRAME = pl.DataFrame(
    {
        "price": [1.0, 2.0, None],
        "name": ["a", None, "c"],
        ROW_ID: [3, 10, 11],
        CREATED: pl.Series([FIRST, FIRST, SECOND], dtype=TIME),
        CHANGED: pl.Series([FIRST, SECOND, SECOND], dtype=TIME),
        changed_of(["price"]): pl.Series([FIRST, FIRST, SECOND], dtype=TIME),
        changed_of(["price", "name"]): pl.Series([FIRST, SECOND, SECOND], dtype=TIME),
    }
)


def both(formula: str, type_: C, frame: pl.DataFrame = FRAME) -> list[Any]:
    column = FormulaColumn("f", "F", formula, type_)
    out, _ = evaluate_columns(frame, [column], columns=COLUMNS, names=NAMES, now=NOW)
    engine = out.get_column("f").to_list()
    assert out.columns == [*frame.columns, "f"]  # nothing of the metadata added or dropped
    reference = evaluate_reference(frame.to_dicts(), column, columns=COLUMNS, names=NAMES, now=NOW)
    assert engine == reference, (formula, engine, reference)
    return engine


def test_record_id_is_the_row_id_as_text() -> None:
    assert both("RECORD_ID()", C.text) == ["3", "10", "11"]
    assert both('"row-" & RECORD_ID()', C.text) == ["row-3", "row-10", "row-11"]
    assert both("LEN(RECORD_ID())", C.number) == [1.0, 2.0, 2.0]


def test_created_and_last_modified_times_read_the_rows_sync_times() -> None:
    assert both("CREATED_TIME()", C.datetime) == [FIRST, FIRST, SECOND]
    assert both("LAST_MODIFIED_TIME()", C.datetime) == [FIRST, SECOND, SECOND]
    assert both("LAST_MODIFIED_TIME({Price})", C.datetime) == [FIRST, FIRST, SECOND]
    # The fields in any order, named or keyed, repeated: one set of fields.
    expected = [FIRST, SECOND, SECOND]
    assert both("LAST_MODIFIED_TIME({name}, {Price})", C.datetime) == expected
    assert both("LAST_MODIFIED_TIME({Price}, {Name}, {price})", C.date) == [
        d.date() for d in expected
    ]
    assert both("DATETIME_DIFF(LAST_MODIFIED_TIME(), CREATED_TIME(), 'hours')", C.number) == [
        0.0,
        24.0,
        0.0,
    ]
    assert both("IS_AFTER(LAST_MODIFIED_TIME(), CREATED_TIME())", C.boolean) == [
        False,
        True,
        False,
    ]


def test_outside_a_sync_the_metadata_is_blank() -> None:
    plain = FRAME.select("price", "name")
    assert both("RECORD_ID()", C.text, plain) == [None] * 3
    assert both('"row " & RECORD_ID()', C.text, plain) == ["row "] * 3
    assert both("CREATED_TIME()", C.datetime, plain) == [None] * 3
    assert both("LAST_MODIFIED_TIME({Price})", C.datetime, plain) == [None] * 3
    assert both("ISBLANK(LAST_MODIFIED_TIME())", C.boolean, plain) == [True] * 3


def test_they_are_row_local() -> None:
    # A row whose fields did not change keeps its identity and times: an incremental publish
    # may evaluate the changed rows only.
    assert row_local("RECORD_ID() & CREATED_TIME() & LAST_MODIFIED_TIME({x})")
    assert not row_local("DATETIME_DIFF(NOW(), CREATED_TIME(), 'days')")


@pytest.mark.parametrize(
    ("formula", "type_", "message"),
    [
        ("LAST_MODIFIED_TIME('price')", C.datetime, "LAST_MODIFIED_TIME() takes columns"),
        (
            "DATEADD(LAST_MODIFIED_TIME({Price}), 1, 'days')",
            C.datetime,
            "LAST_MODIFIED_TIME() with fields must be its column's whole formula",
        ),
        (
            "LAST_MODIFIED_TIME({Price})",
            C.text,
            "LAST_MODIFIED_TIME() with fields fills a datetime or date column",
        ),
        ("MAX_ALL(CREATED_TIME())", C.datetime, "MAX_ALL() cannot read row metadata"),
        ("COUNT_ALL({Name}, RECORD_ID())", C.number, "COUNT_ALL() cannot read row metadata"),
        ("RECORD_ID(1)", C.text, "RECORD_ID() takes 0 arguments, got 1"),
    ],
)
def test_what_cannot_be_saved(formula: str, type_: C, message: str) -> None:
    with pytest.raises(ColumnFormulaError) as caught:
        validate_columns([FormulaColumn("f", "F", formula, type_)], columns=COLUMNS, names=NAMES)
    assert str(caught.value.error).startswith(message), caught.value.error


def test_through_other_columns() -> None:
    made = FormulaColumn("made", "Made", "CREATED_TIME()", C.datetime)
    label = FormulaColumn("label", "Label", "{Name} & ' ' & DATESTR({Made})", C.text)
    total = FormulaColumn("total", "Total", "MAX_ALL({Made})", C.datetime)
    with pytest.raises(ColumnFormulaError) as caught:
        validate_columns([made, label, total], columns=COLUMNS, names=ALL_NAMES)
    assert caught.value.key == "total"
    assert str(caught.value.error).startswith("MAX_ALL() cannot read row metadata")
    watch = FormulaColumn("watch", "Watch", "LAST_MODIFIED_TIME({Label})", C.datetime)
    with pytest.raises(ColumnFormulaError) as watched:
        validate_columns([made, label, watch], columns=COLUMNS, names=ALL_NAMES)
    assert watched.value.key == "watch"
    assert "reads row metadata" in str(watched.value.error)


def test_batches_leave_the_metadata_columns_to_the_sync() -> None:
    columns = [
        FormulaColumn("double", "Double", "{Price} * 2", C.number),
        FormulaColumn("made", "Made", "CREATED_TIME()", C.datetime),
        FormulaColumn("label", "Label", "RECORD_ID() & ':' & {Double}", C.text),
        FormulaColumn("watch", "Watch", "LAST_MODIFIED_TIME({Double})", C.datetime),
        FormulaColumn("top", "Top", "MAX_ALL({Price})", C.number),
    ]
    formulas = BatchFormulas(columns, columns=COLUMNS, names=ALL_NAMES, now=NOW)
    assert formulas.row_metadata == {"made", "label", "watch"}
    fields = FRAME.select("price", "name")
    for number in range(formulas.passes):
        formulas.observe(fields, number)
        formulas.end_pass(number)
    built = formulas.evaluate(fields)
    assert built.columns == ["price", "name", "double", "top"]
    meta = FRAME.drop("price", "name").with_columns(
        pl.Series(changed_of(["double"]), [SECOND, None, FIRST], dtype=TIME)
    )
    done = formulas.evaluate_row_metadata(pl.concat([built, meta], how="horizontal"))
    assert done.get_column("label").to_list() == ["3:2", "10:4", "11:0"]
    assert done.get_column("made").to_list() == [FIRST, FIRST, SECOND]
    assert done.get_column("watch").to_list() == [SECOND, None, FIRST]
    assert done.get_column("top").to_list() == [2.0] * 3  # not evaluated again
    whole, _ = evaluate_columns(
        pl.concat([fields, meta], how="horizontal"), columns, columns=COLUMNS, names=ALL_NAMES
    )
    assert whole.select(done.columns).equals(done)
