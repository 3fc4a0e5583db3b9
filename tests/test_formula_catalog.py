"""The functions Airtable documents that the engine added last: each against its documented
meaning, in both the vectorised engine and the reference interpreter, and the catalogue the API
serves, whose every example is evaluated here."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from core.enums import ColumnType as C
from formulas import FormulaColumn, FormulaError, evaluate_columns, evaluate_reference
from formulas.catalog import catalog
from formulas.checker import check
from formulas.functions import load
from formulas.functions.record import ROW_METADATA
from formulas.parser import parse
from formulas.types import T
from formulas.values import txt_py

NOW = datetime(2024, 3, 15, 12, 30, tzinfo=UTC)
FRAME = pl.DataFrame(
    {
        "n": [1.5, -2.5, None, 0.0, 3.0],
        "t": ["a b&c", "é/?", None, "", "plain"],
        "d": [date(2024, 3, 8), date(2024, 3, 9), None, date(2024, 3, 11), date(2024, 12, 24)],
        "dt": pl.Series(
            [
                datetime(2024, 3, 5, 14, 30, 15, 250_000, tzinfo=UTC),
                datetime(2024, 3, 9, 23, 59, 59, tzinfo=UTC),
                None,
                datetime(2024, 3, 10, 0, 0, tzinfo=UTC),
                datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
            ],
            dtype=pl.Datetime("us", "UTC"),
        ),
        "b": [True, False, None, True, False],
    }
)
COLUMNS = {"n": C.number, "t": C.text, "d": C.date, "dt": C.datetime, "b": C.boolean}
NAMES = {"Number": "n", "Text": "t", "Day": "d", "When": "dt", "Flag": "b"}
COLUMN_OF = {
    T.number: C.number,
    T.text: C.text,
    T.boolean: C.boolean,
    T.date: C.date,
    T.datetime: C.datetime,
    T.blank: C.text,
}


def both(formula: str, type_: C) -> list[Any]:
    """The column from the engine, after checking that the reference interpreter agrees."""
    column = FormulaColumn("f", "F", formula, type_)
    out, _ = evaluate_columns(FRAME, [column], columns=COLUMNS, names=NAMES, now=NOW)
    engine = out.get_column("f").to_list()
    reference = evaluate_reference(FRAME.to_dicts(), column, columns=COLUMNS, names=NAMES, now=NOW)
    for e, r in zip(engine, reference, strict=True):
        if isinstance(e, float) and isinstance(r, float):
            assert math.isclose(e, r, rel_tol=1e-12), (formula, engine, reference)
        else:
            assert e == r, (formula, engine, reference)
    return engine


# --- logic -----------------------------------------------------------------------------------
def test_true_false_and_error_functions() -> None:
    assert both("TRUE()", C.boolean) == [True] * 5
    assert both("FALSE() = FALSE", C.boolean) == [True] * 5
    assert both("TRUE() + TRUE()", C.number) == [2.0] * 5
    # ERROR() is an error value: blank, counted, and caught by IFERROR / ISERROR.
    assert both("IF({Number} > 0, ERROR(), {Number})", C.number) == [None, -2.5, None, 0.0, None]
    assert both('IFERROR(ERROR(), "caught")', C.text) == ["caught"] * 5
    assert both("ISERROR(ERROR())", C.boolean) == [True] * 5
    _, stats = evaluate_columns(
        FRAME,
        [FormulaColumn("f", "F", "ERROR()", C.number)],
        columns=COLUMNS,
        names=NAMES,
        now=NOW,
    )
    assert stats["f"] == {"errors": 5, "blank": 5}


def test_branches_of_different_types_give_text_as_airtable_shows_them() -> None:
    assert both('IF({Number} > 0, {Number}, "none")', C.text) == [
        "1.5",
        "none",
        "none",
        "none",
        "3",
    ]
    assert both('IFERROR(10 / {Number}, "n/a")', C.text) == [
        str(10 / 1.5),
        "-4",
        "n/a",
        "n/a",
        "3.3333333333333335",
    ]
    assert both('IF({Flag}, {Day}, "no date")', C.text) == [
        "2024-03-08",
        "no date",
        "no date",
        "2024-03-11",
        "no date",
    ]
    # A blank branch stays blank, and a boolean with a number is a number (TRUE is 1).
    assert both('IF({Number} > 0, "yes", BLANK())', C.text) == ["yes", None, None, None, "yes"]
    assert both("IF({Number} > 0, {Flag}, 7)", C.number) == [1.0, 7.0, 7.0, 7.0, 0.0]


def test_a_text_result_does_not_fill_a_number_column_and_the_error_says_how() -> None:
    with pytest.raises(FormulaError) as caught:
        check(
            parse('IF({Number} > 0, 1, "a") * 2'),
            source='IF({Number} > 0, 1, "a") * 2',
            columns={"n": T.number},
            names={"Number": "n"},
        )
    assert caught.value.message == "operator * does not apply to text and number"
    with pytest.raises(FormulaError) as mixed:
        check(parse("IF(TRUE, 1, TODAY())"), source="IF(TRUE, 1, TODAY())", columns={})
    assert mixed.value.position == 12
    assert "TEXT() shows a number or a date as text" in (mixed.value.hint or "")


# --- text ------------------------------------------------------------------------------------
def test_t_gives_text_only() -> None:
    assert both("T({Text})", C.text) == ["a b&c", "é/?", None, "", "plain"]
    assert both("T({Number})", C.text) == [None] * 5
    assert both('T("x") & T(1) & T({Day})', C.text) == ["x"] * 5


def test_encode_url_component_is_javascripts() -> None:
    assert both("ENCODE_URL_COMPONENT({Text})", C.text) == [
        "a%20b%26c",
        "%C3%A9%2F%3F",
        "",
        "",
        "plain",
    ]
    assert (
        both('ENCODE_URL_COMPONENT("-_.!~*\'()# 1€")', C.text) == ["-_.!~*'()%23%201%E2%82%AC"] * 5
    )


# --- numbers ---------------------------------------------------------------------------------
def test_count_counta_countall() -> None:
    assert both("COUNT({Number}, {Text}, 1, BLANK())", C.number) == [2.0, 2.0, 1.0, 2.0, 2.0]
    assert both("COUNTA({Number}, {Text}, {Day}, {Flag})", C.number) == [4.0, 4.0, 0.0, 3.0, 4.0]
    assert both("COUNTALL({Number}, {Text}, BLANK())", C.number) == [3.0] * 5
    assert both('COUNT(1, 2, 3, "", "four")', C.number) == [3.0] * 5
    assert both('COUNTA(1, 2, 3, "", "four")', C.number) == [4.0] * 5
    assert both('COUNTALL(1, 2, 3, "", "four")', C.number) == [5.0] * 5


@pytest.mark.parametrize(
    ("value", "even", "odd"),
    [
        (1.5, 2, 3),
        (3, 4, 3),
        (2, 2, 3),
        (-1, -2, -1),
        (-2.5, -4, -3),
        (0, 0, 1),
        (0.1, 2, 1),
        (-0.1, -2, -1),
    ],
)
def test_even_and_odd_round_away_from_zero_as_excel(value: float, even: int, odd: int) -> None:
    assert both(f"EVEN({value})", C.number)[0] == even
    assert both(f"ODD({value})", C.number)[0] == odd


def test_even_odd_of_a_column_with_blanks() -> None:
    assert both("EVEN({Number})", C.number) == [2.0, -4.0, 0.0, 0.0, 4.0]
    assert both("ODD({Number})", C.number) == [3.0, -3.0, 1.0, 1.0, 3.0]


# --- dates -----------------------------------------------------------------------------------
def test_second_datestr_timestr() -> None:
    assert both("SECOND({When})", C.number) == [15.0, 59.0, None, 0.0, 0.0]
    assert both("SECOND({Day})", C.number) == [0.0, 0.0, None, 0.0, 0.0]
    assert both("DATESTR({When})", C.text) == [
        "2024-03-05",
        "2024-03-09",
        None,
        "2024-03-10",
        "2023-12-31",
    ]
    assert both("TIMESTR({When})", C.text) == ["14:30:15", "23:59:59", None, "00:00:00", "23:00:00"]
    assert both("TIMESTR({Day})", C.text) == ["00:00:00", "00:00:00", None, "00:00:00", "00:00:00"]


def test_is_after_and_is_before() -> None:
    assert both("IS_AFTER({Day}, {When})", C.boolean) == [True, False, False, True, True]
    assert both("IS_BEFORE({When}, {Day})", C.boolean) == [True, False, False, True, True]
    assert both("IS_BEFORE({Day}, {Day})", C.boolean) == [False] * 5


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, [False, False, False, False, False]),
        ("'day'", [False, True, False, False, False]),
        ("'week'", [True, True, False, True, False]),  # weeks start on Sunday (moment)
        ("'month'", [True, True, False, True, False]),
        ("'quarter'", [True, True, False, True, False]),
        ("'year'", [True, True, False, True, False]),
        ("'hours'", [False, False, False, False, False]),
    ],
)
def test_is_same_compares_up_to_the_unit(unit: str | None, expected: list[bool]) -> None:
    rest = f", {unit}" if unit else ""
    assert both(f"IS_SAME({{When}}, {{Day}}{rest})", C.boolean) == expected


def test_is_same_within_an_hour_and_to_the_instant() -> None:
    later = "DATEADD({When}, 20, 'minutes')"
    assert both(f"IS_SAME({{When}}, {later}, 'hour')", C.boolean) == [
        True,
        False,
        False,
        True,
        True,
    ]
    assert both(f"IS_SAME({{When}}, {later}, 'minute')", C.boolean) == [False] * 5
    assert both("IS_SAME({When}, {When})", C.boolean) == [True, True, False, True, True]
    assert both("IS_SAME({Day}, DATETIME_PARSE(DATESTR({Day})))", C.boolean) == [
        True,
        True,
        False,
        True,
        True,
    ]


def test_tonow_and_fromnow_count_whole_days_without_a_sign() -> None:
    # NOW is 2024-03-15 12:30 UTC.
    assert both("TONOW({Day})", C.number) == [7.0, 6.0, None, 4.0, 283.0]
    assert both("FROMNOW({Day})", C.number) == [7.0, 6.0, None, 4.0, 283.0]
    assert both("TONOW({When}, 'hours')", C.number) == [237.0, 132.0, None, 132.0, 1789.0]
    assert both("FROMNOW({Day}, 'months')", C.number) == [0.0, 0.0, None, 0.0, 9.0]


def test_workday_counts_working_days_as_excel() -> None:
    # 2024-03-08 is a Friday, 03-09 a Saturday, 03-11 a Monday.
    assert both("WORKDAY({Day}, 1)", C.date) == [
        date(2024, 3, 11),
        date(2024, 3, 11),
        None,
        date(2024, 3, 12),
        date(2024, 12, 25),
    ]
    assert both("WORKDAY({Day}, -1)", C.date) == [
        date(2024, 3, 7),
        date(2024, 3, 8),
        None,
        date(2024, 3, 8),
        date(2024, 12, 23),
    ]
    assert both("WORKDAY({Day}, 0)", C.date) == [
        date(2024, 3, 8),
        date(2024, 3, 9),
        None,
        date(2024, 3, 11),
        date(2024, 12, 24),
    ]
    assert both("WORKDAY({Day}, 2, '2024-12-25, 2024-12-26, 2024-03-11')", C.date) == [
        date(2024, 3, 13),
        date(2024, 3, 13),
        None,
        date(2024, 3, 13),
        date(2024, 12, 30),
    ]
    assert both("WORKDAY_DIFF({Day}, WORKDAY({Day}, 10)) - 1", C.number) == [
        10.0,
        9.0,
        -1.0,
        10.0,
        10.0,
    ]


def test_functions_refuse_missing_arguments_at_save_with_the_position() -> None:
    for formula, message in [
        ("1 + IS_SAME({Day})", "IS_SAME() takes 2 to 3 arguments, got 1"),
        ("EVEN()", "EVEN() takes 1 argument, got 0"),
        ("TRUE(1)", "TRUE() takes 0 arguments, got 1"),
        ("COUNT()", "COUNT() takes at least 1 argument, got 0"),
        # Required as Airtable documents them (ROUND's precision in Excel too).
        ("ROUND(2.5)", "ROUND() takes 2 arguments, got 1"),
        ("ROUNDUP(2.5)", "ROUNDUP() takes 2 arguments, got 1"),
        ('LEFT("abc")', "LEFT() takes 2 arguments, got 1"),
        ('RIGHT("abc")', "RIGHT() takes 2 arguments, got 1"),
    ]:
        with pytest.raises(FormulaError) as caught:
            check(parse(formula), source=formula, columns={"d": T.date}, names={"Day": "d"})
        assert caught.value.message == message
        assert caught.value.position == formula.index(message.split("(")[0])
        assert caught.value.hint is not None and caught.value.hint.startswith(message.split("(")[0])


# --- the catalogue ---------------------------------------------------------------------------
def test_the_catalogue_lists_every_function_once() -> None:
    names = [f.name for f in catalog()]
    assert len(names) == len(set(names))
    assert set(load()) < set(names)
    assert {"SUM_ALL", "LOOKUP"} < set(names)
    for info in catalog():
        assert info.usage.startswith(info.name + "("), info
        assert info.description and info.example and info.returns, info
        assert info.min_args <= (info.max_args if info.max_args is not None else 99)


@pytest.mark.parametrize("name", sorted(load()))
def test_every_example_in_the_catalogue_gives_its_stated_result(name: str) -> None:
    formula, result = load()[name].example
    assert name + "(" in formula
    if name in ROW_METADATA:
        _row_metadata_example(formula, result)
        return
    frame = pl.DataFrame({"x": [1]})
    checked = check(parse(formula), source=formula, columns={})
    column = FormulaColumn("f", "F", formula, COLUMN_OF[checked.type])
    out, _ = evaluate_columns(frame, [column], columns={"x": C.integer}, names={}, now=NOW)
    value = out.get_column("f").item()
    reference = evaluate_reference([{"x": 1}], column, columns={"x": C.integer}, names={}, now=NOW)
    assert reference == [value]
    assert txt_py(value, checked.type) == result


def _row_metadata_example(formula: str, result: str) -> None:
    """A synced row's metadata: like the aggregates' and LOOKUP's, the example reads a column
    and states no result; it evaluates alike in both engines over a row with its metadata."""
    assert result == ""
    names = {"Price": "price"}
    checked = check(parse(formula), source=formula, columns={"price": T.number}, names=names)
    when = datetime(2024, 3, 1, 9, tzinfo=UTC)
    row = {
        "price": 2.0,
        "_row_id": 7,
        "_meta.created": when,
        "_meta.changed": when,
        "_meta.changed(price)": when,
    }
    column = FormulaColumn("f", "F", formula, COLUMN_OF[checked.type])
    types = {"price": C.number}
    out, _ = evaluate_columns(pl.DataFrame([row]), [column], columns=types, names=names, now=NOW)
    value = out.get_column("f").item()
    assert value is not None
    assert evaluate_reference([row], column, columns=types, names=names, now=NOW) == [value]


# --- arrays ----------------------------------------------------------------------------------
ARRAYS = pl.DataFrame(
    {
        "j": [
            '[1, "a", null, "", false, "a", 1]',
            '["x, y", "q\\"uote", "é"]',
            None,
            "[]",
            '[[1, 2], [3], "five"]',
            "not an array",
        ],
        "n": [2.0, -1.0, None, 1.0, 0.0, 3.0],
    }
)
ARRAY_COLUMNS = {"j": C.json, "n": C.number}


def arrays(formula: str, type_: C = C.text) -> list[Any]:
    column = FormulaColumn("f", "F", formula, type_)
    out, _ = evaluate_columns(ARRAYS, [column], columns=ARRAY_COLUMNS, names={}, now=NOW)
    engine = out.get_column("f").to_list()
    reference = evaluate_reference(
        ARRAYS.to_dicts(), column, columns=ARRAY_COLUMNS, names={}, now=NOW
    )
    assert engine == reference, (formula, engine, reference)
    return engine


def test_arrayjoin_shows_items_as_text() -> None:
    assert arrays("ARRAYJOIN({j})") == [
        "1, a, , false, a, 1",
        'x, y, q"uote, é',
        None,
        "",
        "[1, 2], [3], five",
        "not an array",
    ]
    assert arrays('ARRAYJOIN({j}, " | ")')[1] == 'x, y | q"uote | é'


def test_arraycompact_unique_flatten() -> None:
    assert arrays("ARRAYCOMPACT({j})") == [
        '[1, "a", false, "a", 1]',
        '["x, y", "q\\"uote", "é"]',
        None,
        "[]",
        '[[1, 2], [3], "five"]',
        '["not an array"]',
    ]
    assert arrays("ARRAYUNIQUE({j})", C.json)[0] == '[1, "a", null, "", false]'
    assert arrays("ARRAYFLATTEN({j})")[4] == '[1, 2, 3, "five"]'
    # Deeper nesting: an array nested twice is read as the arrays inside it (docstring).
    assert arrays("ARRAYJOIN('[[1, [2]], 3]', ';')")[0] == "1;[2];3"
    assert arrays("ARRAYFLATTEN('[[1, [2, [\"x\"]]], 3]')")[0] == '[1, 2, "x", 3]'
    # Results are arrays again: they nest.
    assert arrays("ARRAYJOIN(ARRAYUNIQUE(ARRAYCOMPACT({j})), '/')")[0] == "1/a/false"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("2", '["a", null, "", false, "a", 1]'),
        ("2, 3", '["a", null]'),
        ("-2", '["a", 1]'),
        ("1, -2", '[1, "a", null, "", false, "a"]'),
        ("-3, -2", '[false, "a"]'),
        ("10", "[]"),
        ("3, 2", "[]"),
        ("0, 1", "[1]"),
    ],
)
def test_arrayslice_counts_from_one_and_includes_the_end(args: str, expected: str) -> None:
    assert arrays(f"ARRAYSLICE({{j}}, {args})")[0] == expected


def test_arrayslice_bounds_may_come_from_columns() -> None:
    assert arrays("ARRAYSLICE({j}, {n}, {n} + 1)") == [
        '["a", null]',
        "[]",  # from -1 (the last item) to 0: nothing
        None,
        "[]",
        "[[1, 2]]",
        "[]",
    ]


# --- TEXT with Excel number formats ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1234.567, "#,##0.00", "1,234.57"),
        (0.256, "0.0%", "25.6%"),
        (1234.5, "$#,##0.00", "$1,234.50"),
        (-1234.5, "$#,##0.00", "-$1,234.50"),
        (-1234.5, "$#,##0.00;($#,##0.00)", "($1,234.50)"),
        (0, '0.00;-0.00;"zero"', "zero"),
        (1234.5, "€ #,##0.00", "€ 1,234.50"),
        (1234.5, '#,##0.00 "EUR"', "1,234.50 EUR"),
        (1234.5, "[$€-407] #,##0.00", "€ 1,234.50"),
        (1234.5, "£#,##0", "£1,235"),
        (1234.5, "¥#,##0", "¥1,235"),
        (123456789, "000-00-0000", "123-45-6789"),
        (12, "000-00-0000", "000-00-0012"),
        (5551234567, "(###) ###-####", "(555) 123-4567"),
        (0.5, "#.##", ".5"),
        (1, "#.##", "1."),
        (1.567, "0.0#", "1.57"),
        (12345678, '#,##0,,"M"', "12M"),
        (12345, '0.0,"k"', "12.3k"),
        (12345, "0.00E+00", "1.23E+04"),
        (0.00012345, "0.00E+00", "1.23E-04"),
        (99999, "0.0E+0", "1.0E+5"),
        (12345, "0.00e-0", "1.23e4"),
        (7, "\\#0", "#7"),
        (7, "0_)", "7 "),
        (-2.5, "0", "-3"),
        (0.4, "#", ""),
        (1234.5, "General", "1234.5"),
        (-5, "0;[Red]0", "5"),
        (42, "00000", "00042"),
        (1.25, "0.0?", "1.25"),
        (1.2, "0.0?", "1.2 "),
    ],
)
def test_text_formats_numbers_as_excel(value: float, fmt: str, expected: str) -> None:
    # In a formula's string, backslash escapes: the format's \# is written \\#.
    quoted = fmt.replace("\\", "\\\\").replace('"', '\\"')
    formula = f'TEXT({value}, "{quoted}")'
    assert both(formula, C.text)[0] == expected


def test_text_formats_a_column_with_blanks_and_signs() -> None:
    assert both('TEXT({Number}, "+0.0;-0.0;zero")', C.text) == [
        "+1.5",
        "-2.5",
        None,
        "zero",
        "+3.0",
    ]


@pytest.mark.parametrize(
    ("fmt", "message", "offset"),
    [
        ("0;0;0;@", "a fourth (text) section is not supported", 6),
        ("[>100]0", "[>100] is not supported", 0),
        ("0 units", "'s' is a date code", 6),
        ("# ?/?", "fractions (# ?/?) are not supported", 3),
    ],
)
def test_text_refuses_formats_it_cannot_honour_at_their_position(
    fmt: str, message: str, offset: int
) -> None:
    formula = f'TEXT({{Number}}, "{fmt}")'
    with pytest.raises(FormulaError) as caught:
        check(parse(formula), source=formula, columns={"n": T.number}, names={"Number": "n"})
    assert caught.value.message.startswith(f"TEXT() format: {message}")
    assert caught.value.position == formula.index('"') + 1 + offset


# --- DATETIME_FORMAT's moment.js tokens, SET_TIMEZONE, SET_LOCALE, DATETIME_PARSE ----------------
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("Do [of] MMMM YYYY, Qo [quarter]", "5th of March 2024, 1st quarter"),
        ("dddd, MMMM Do YYYY, h:mm:ss a", "Tuesday, March 5th 2024, 2:30:15 pm"),
        ("L", "03/05/2024"),
        ("LL", "March 5, 2024"),
        ("LLL", "March 5, 2024 2:30 PM"),
        ("LLLL", "Tuesday, March 5, 2024 2:30 PM"),
        ("l ll lll llll", "3/5/2024 Mar 5, 2024 Mar 5, 2024 2:30 PM Tue, Mar 5, 2024 2:30 PM"),
        ("X", "1709649015"),
        ("x", "1709649015250"),
        ("W w DDDo GGGG", "10 10 65th 2024"),
        ("YYYY-MM-DDTHH:mm:ss.SSSZ", "2024-03-05T14:30:15.250+00:00"),
    ],
)
def test_datetime_format_takes_every_moment_token(fmt: str, expected: str) -> None:
    assert both(f"DATETIME_FORMAT({{When}}, '{fmt}')", C.text)[0] == expected


def test_set_timezone_and_set_locale_change_how_a_date_is_shown() -> None:
    paris = "SET_TIMEZONE({When}, 'Europe/Paris')"
    assert both(f"DATETIME_FORMAT({paris}, 'YYYY-MM-DD HH:mm z Z')", C.text) == [
        "2024-03-05 15:30 CET +01:00",
        "2024-03-10 00:59 CET +01:00",
        None,
        "2024-03-10 01:00 CET +01:00",
        "2024-01-01 00:00 CET +01:00",
    ]
    french = f"SET_LOCALE({paris}, 'fr')"
    assert both(f"DATETIME_FORMAT({french}, 'LLLL')", C.text)[0] == "mardi 5 mars 2024 15:30"
    # The order of the wrappers does not matter, and the instant is unchanged.
    swapped = "SET_TIMEZONE(SET_LOCALE({When}, 'fr'), 'Europe/Paris')"
    assert both(f"DATETIME_FORMAT({swapped}, 'LLLL')", C.text)[0] == "mardi 5 mars 2024 15:30"
    assert both(f"{paris} = {{When}}", C.boolean) == [True] * 5  # blank dates are equal
    assert both(f"DATETIME_FORMAT({paris})", C.text)[0] == "2024-03-05T15:30:15.250+01:00"
    assert both("DATETIME_FORMAT(SET_LOCALE({Day}, 'de'), 'dddd, D. MMMM')", C.text)[0] == (
        "Freitag, 8. März"
    )


@pytest.mark.parametrize(
    ("formula", "message", "hint"),
    [
        ("SET_TIMEZONE({Day}, 'Europe/Pari')", "unknown time zone 'Europe/Pari'", "Europe/Paris"),
        ("SET_LOCALE({Day}, 'fr-fx')", "unknown locale 'fr-fx'", "fr"),
        ("SET_TIMEZONE({Day}, {Text})", "the time zone must be a literal text", None),
        ("DATETIME_PARSE({Text}, 'D MMMM', 'xx')", "unknown locale 'xx'", None),
    ],
)
def test_zones_and_locales_are_checked_at_save(
    formula: str, message: str, hint: str | None
) -> None:
    with pytest.raises(FormulaError) as caught:
        check(parse(formula), source=formula, columns={"d": T.date, "t": T.text}, names=NAMES)
    assert caught.value.message.startswith(message)
    assert caught.value.position == formula.rindex(", ") + 2  # the argument at fault
    if hint:
        assert hint in caught.value.message


def test_datetime_parse_reads_a_locales_names_as_moment_does() -> None:
    assert both("DATETIME_PARSE('5 mars 2024 15:30', 'D MMMM YYYY HH:mm', 'fr')", C.datetime)[
        0
    ] == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
    assert both("DATETIME_PARSE('Tuesday, March 5th 2024', 'dddd, MMMM Do YYYY')", C.date)[0] == (
        date(2024, 3, 5)
    )
    # Text that does not read is an error for that row.
    assert both("DATETIME_PARSE({Text}, 'YYYY-MM-DD')", C.date) == [None] * 5


def test_rounding_gives_the_decimal_it_shows() -> None:
    # 18 / 60 rounded to 1 place is 0.3, not 0.30000000000000004 (3 * 0.1): found through the
    # page's formula preview.
    assert both("ROUND(18 / 60, 1)", C.number)[0] == 0.3
    assert both("ROUNDUP(0.21, 1)", C.number)[0] == 0.3
    assert both("ROUNDDOWN(0.39, 1)", C.number)[0] == 0.3
    assert both("ROUND({Number} / 7, 1)", C.number) == [0.2, -0.4, 0.0, 0.0, 0.4]
    frame = pl.DataFrame({"d": [18, 19, -18]})
    out, _ = evaluate_columns(
        frame,
        [FormulaColumn("f", "F", "ROUND({d} / 60, 1)", C.number)],
        columns={"d": C.integer},
        names={},
    )
    assert out.get_column("f").to_list() == [0.3, 0.3, -0.3]


def test_text_of_an_infinite_number_is_an_error_for_its_row_not_for_the_sync() -> None:
    # Found by the property tests on a clean clone: TEXT(x ^ -3, "0.00") with x = 0 raised
    # (inf cast to an integer) instead of erring on that row.
    assert both('IFERROR(TEXT(POWER({Number} * 0, -1), "0.0"), "bad")', C.text) == ["bad"] * 5
    assert both('TEXT({Number} ^ -3, "0.00E+00")', C.text)[3] is None
