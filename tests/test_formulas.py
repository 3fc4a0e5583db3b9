"""The formula language: each function with blanks, errors, messages and cycles."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from core.enums import ColumnType as C
from formulas import (
    ColumnFormulaError,
    FormulaColumn,
    FormulaError,
    evaluate_columns,
    validate_columns,
)
from formulas.parser import MAX_DEPTH, parse

NOW = datetime(2024, 3, 15, 12, 30, tzinfo=UTC)
FRAME = pl.DataFrame(
    {
        "n": [1.5, -2.5, None, 0.0],
        "i": [10, None, -3, 0],
        "t": ["Hello World", "  padded  ", None, ""],
        "b": [True, False, None, True],
        "d": [date(2024, 1, 31), date(2024, 2, 29), None, date(2023, 12, 31)],
        "dt": pl.Series(
            [
                datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
                None,
                datetime(2024, 6, 30, 23, 59, 59, tzinfo=UTC),
                datetime(2024, 1, 1, tzinfo=UTC),
            ],
            dtype=pl.Datetime("us", "UTC"),
        ),
        "g": ["a", "a", "b", None],
    }
)
COLUMNS = {
    "n": C.number,
    "i": C.integer,
    "t": C.text,
    "b": C.boolean,
    "d": C.date,
    "dt": C.datetime,
    "g": C.text,
}
NAMES = {
    "Number": "n",
    "Int": "i",
    "Text": "t",
    "Flag": "b",
    "Day": "d",
    "When": "dt",
    "Group": "g",
}


def ev(formula: str, type_: C = C.text) -> list[object]:
    out, _ = evaluate_columns(
        FRAME, [FormulaColumn("f", "F", formula, type_)], columns=COLUMNS, names=NAMES, now=NOW
    )
    return out.get_column("f").to_list()


def stats(formula: str, type_: C = C.number) -> dict[str, object]:
    _, s = evaluate_columns(
        FRAME, [FormulaColumn("f", "F", formula, type_)], columns=COLUMNS, names=NAMES, now=NOW
    )
    return s["f"]


# --- operators and blanks ------------------------------------------------------------------
def test_arithmetic_treats_blank_as_zero_and_errors_become_blank() -> None:
    assert ev("{Number} + 1", C.number) == [2.5, -1.5, 1.0, 1.0]
    assert ev("{Int} * 2", C.integer) == [20, 0, -6, 0]
    assert ev("10 / {Number}", C.number) == [10 / 1.5, -4.0, None, None]
    assert stats("10 / {Number}") == {"errors": 2, "blank": 2}
    assert ev("-2^2", C.number) == [4.0] * 4  # unary minus binds tighter, as in Excel
    assert ev("2^3^2", C.number) == [512.0] * 4  # ^ is right-associative
    assert ev("-7 % 3", C.number) == [2.0] * 4  # MOD keeps the divisor's sign
    assert ev("(-8)^(1/3)", C.number) == [None] * 4


def test_concatenation_and_comparison_semantics() -> None:
    assert ev('{Text} & "|" & {Number} & "|" & {Flag}') == [
        "Hello World|1.5|TRUE",
        "  padded  |-2.5|FALSE",
        "||",
        "|0|TRUE",
    ]
    assert ev("{Number} = BLANK()", C.boolean) == [False, False, True, False]
    assert ev('{Text} = ""', C.boolean) == [False, False, True, True]
    assert ev("{Day} < #2024-02-01#", C.boolean) == [True, False, False, True]
    assert ev("{Int} > {Number}", C.boolean) == [True, True, False, False]
    assert ev("{Day} + 1", C.date) == [date(2024, 2, 1), date(2024, 3, 1), None, date(2024, 1, 1)]
    assert ev("#2024-03-01# - {Day}", C.number) == [30.0, 1.0, None, 61.0]


# --- logic -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formula", "type_", "expected"),
    [
        ('IF({Number} > 0, "pos", "not")', C.text, ["pos", "not", "not", "not"]),
        ("IF({Flag}, 1)", C.number, [1.0, None, None, 1.0]),
        ('IFS({Int} > 5, "big", {Int} < 0, "neg")', C.text, ["big", None, "neg", None]),
        ('SWITCH({Group}, "a", 1, "b", 2, 0)', C.number, [1.0, 1.0, 2.0, 0.0]),
        ("AND({Flag}, {Number})", C.boolean, [True, False, False, False]),
        ("OR({Flag}, {Number})", C.boolean, [True, True, False, True]),
        ("XOR({Flag}, TRUE, {Int})", C.boolean, [True, True, False, False]),
        ("NOT({Text})", C.boolean, [False, False, True, True]),
        ("ISBLANK({Text})", C.boolean, [False, False, True, True]),
        ("COALESCE({Int}, {Number}, 99)", C.number, [10.0, -2.5, -3.0, 0.0]),
        ("IFERROR(1 / {Number}, -1)", C.number, [1 / 1.5, -0.4, -1.0, -1.0]),
        ("ISERROR(1 / {Number})", C.boolean, [False, False, True, True]),
        ("IF({Number} = 0, 0, 1 / {Number})", C.number, [1 / 1.5, -0.4, 0.0, 0.0]),
    ],
)
def test_logic_functions(formula: str, type_: C, expected: list[object]) -> None:
    assert (
        ev(formula, type_) == pytest.approx(expected)
        if type_ is C.number
        else ev(formula, type_) == expected
    )


def test_if_does_not_count_errors_of_the_branch_not_taken() -> None:
    # 1 / {Number} errors on the blank and the zero rows, which take the other branch.
    assert stats("1 / {Number}") == {"errors": 2, "blank": 2}
    assert stats("IF({Number} = 0, 0, 1 / {Number})") == {"errors": 0, "blank": 0}


# --- numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("ROUND(2.5, 0)", 3.0),
        ("ROUND(-2.5, 0)", -2.0),
        ("ROUND(1.005, 2)", 1.01),
        ("ROUND(1234.5, -2)", 1200.0),
        ("ROUNDUP(1.21, 1)", 1.3),
        ("ROUNDUP(-1.21, 1)", -1.3),
        ("ROUNDDOWN(-1.29, 1)", -1.2),
        ("CEILING(4.1)", 5.0),
        ("CEILING(4.1, 0.5)", 4.5),
        ("FLOOR(-4.1)", -5.0),
        ("FLOOR(7, 5)", 5.0),
        ("INT(-1.5)", -2.0),
        ("MOD(-3, 2)", 1.0),
        ("MOD(3, -2)", -1.0),
        ("POWER(2, 10)", 1024.0),
        ("SQRT(16)", 4.0),
        ("EXP(0)", 1.0),
        ("LN(EXP(2))", 2.0),
        ("LOG(1000)", 3.0),
        ("LOG(8, 2)", 3.0),
        ("ABS(-3)", 3.0),
        ("SUM(1, BLANK(), 2)", 3.0),
        ("AVERAGE(1, BLANK(), 2)", 1.5),
        ("MIN(3, 1, 2)", 1.0),
        ("MAX(BLANK(), -1)", -1.0),
        ('VALUE("$1,234.50")', 1234.5),
        ('VALUE("15%")', 0.15),
        ("SQRT(-1)", None),
        ("LN(0)", None),
        ("MOD(1, 0)", None),
        ('VALUE("abc")', None),
        ("AVERAGE(BLANK())", None),
    ],
)
def test_number_functions(formula: str, expected: float | None) -> None:
    result = ev(formula, C.number)[0]
    assert result == pytest.approx(expected) if expected is not None else result is None


# --- text ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ('CONCAT("a", 1, TRUE)', "a1TRUE"),
        ('CONCATENATE("x", "y")', "xy"),
        ('LEFT("abc", 2)', "ab"),
        ('RIGHT("abc", 2)', "bc"),
        ('MID("abcdef", 2, 3)', "bcd"),
        ('LEN("héllo")', "5"),
        ('LOWER("ÀB")', "àb"),
        ('UPPER("àb")', "ÀB"),
        ('TRIM("  a  b  ")', "a  b"),
        ('FIND("o", "foo boo")', "2"),
        ('FIND("o", "foo boo", 4)', "6"),
        ('FIND("x", "foo")', "0"),
        ('FIND("O", "foo")', "0"),
        ('SEARCH("x", "foo")', None),
        ('SEARCH("é", "café")', "4"),
        ('SUBSTITUTE("a-b-c", "-", "+")', "a+b+c"),
        ('SUBSTITUTE("a-b-c", "-", "+", 2)', "a-b+c"),
        ('REPLACE("abcdef", 2, 3, "X")', "aXef"),
        ('REPT("ab", 3)', "ababab"),
        ('REGEX_MATCH("abc123", "[0-9]+")', "TRUE"),
        ('REGEX_EXTRACT("abc123def", "[0-9]+")', "123"),
        ('REGEX_REPLACE("a1b2", "[0-9]", "#")', "a#b#"),
        ('REGEX_EXTRACT("abc", "[0-9]+")', None),
        ('TEXT(1234.567, "#,##0.00")', "1,234.57"),
        ('TEXT(0.256, "0.0%")', "25.6%"),
        ("TEXT(3)", "3"),
        ('TEXT(#2024-01-05#, "DD/MM/YYYY")', "05/01/2024"),
        ('MID("abc", 0, 1)', None),
        ('REPT("a", -1)', None),
    ],
)
def test_text_functions(formula: str, expected: str | None) -> None:
    assert ev(formula)[0] == expected


def test_text_functions_see_blank_as_empty() -> None:
    assert ev("LEN({Text})", C.number) == [11.0, 10.0, 0.0, 0.0]
    assert ev("UPPER({Text})") == ["HELLO WORLD", "  PADDED  ", "", ""]


# --- dates -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("TODAY()", "2024-03-15"),
        ("NOW()", "2024-03-15T12:30:00.000Z"),
        ("DATE(2024, 13, 1)", "2025-01-01"),
        ("DATE(2024, 3, 0)", "2024-02-29"),
        ("YEAR(#2024-07-04#)", "2024"),
        ("MONTH(#2024-07-04#)", "7"),
        ("DAY(#2024-07-04#)", "4"),
        ("HOUR(#2024-07-04T15:45:00Z#)", "15"),
        ("MINUTE(#2024-07-04T15:45:00Z#)", "45"),
        ("WEEKDAY(#2024-03-17#)", "0"),
        ('WEEKDAY(#2024-03-17#, "Monday")', "6"),
        ("WEEKNUM(#2024-01-06#)", "1"),
        ("WEEKNUM(#2024-01-07#)", "2"),
        ('WEEKNUM(#2024-01-07#, "Monday")', "1"),
        ("DATEADD(#2024-01-31#, 1, 'months')", "2024-02-29"),
        ("DATEADD(#2024-01-31#, -2, 'weeks')", "2024-01-17"),
        ("DATEADD(#2024-01-31T10:00:00Z#, 90, 'minutes')", "2024-01-31T11:30:00.000Z"),
        ("DATETIME_DIFF(#2024-03-01#, #2024-01-31#, 'days')", "30"),
        ("DATETIME_DIFF(#2024-03-01#, #2024-01-31#, 'months')", "1"),
        ("DATETIME_DIFF(#2024-01-31#, #2024-03-01#, 'months')", "-1"),
        ("DATETIME_DIFF(#2025-01-30#, #2024-01-31#, 'years')", "0"),
        ("DATETIME_DIFF(#2024-01-01T00:00:10Z#, #2024-01-01#)", "10"),
        (
            "DATETIME_FORMAT(#2024-07-04T15:05:09Z#, 'YYYY-MM-DD HH:mm:ss [at] ddd, MMM D, h A')",
            "2024-07-04 15:05:09 at Thu, Jul 4, 3 PM",
        ),
        ("DATETIME_PARSE('04/07/2024', 'DD/MM/YYYY')", "2024-07-04T00:00:00.000Z"),
        ("DATETIME_PARSE('2024-07-04T10:00:00+02:00')", "2024-07-04T08:00:00.000Z"),
        ("DATETIME_PARSE('not a date')", None),
        ("WORKDAY_DIFF(#2024-03-01#, #2024-03-08#)", "6"),
        ("WORKDAY_DIFF(#2024-03-08#, #2024-03-01#)", "-6"),
        ("WORKDAY_DIFF(#2024-12-23#, #2024-12-27#, '2024-12-25, 2024-12-26')", "3"),
    ],
)
def test_date_functions(formula: str, expected: str | None) -> None:
    assert ev(formula)[0] == expected


def test_date_functions_give_blank_for_blank_dates() -> None:
    assert ev("YEAR({Day})", C.number) == [2024.0, 2024.0, None, 2023.0]
    assert ev("DATETIME_FORMAT({When}, 'YYYY')") == ["2024", None, "2024", "2024"]
    assert ev("DATEADD({Day}, 1, 'months')", C.date) == [
        date(2024, 2, 29),
        date(2024, 3, 29),
        None,
        date(2024, 1, 31),
    ]


# --- whole-panel aggregates --------------------------------------------------------------
def test_aggregates_over_the_panel_and_per_group() -> None:
    assert ev("{Number} - AVG_ALL({Number})", C.number) == pytest.approx(
        [1.83333, -2.16667, 0.33333, 0.33333], rel=1e-4
    )
    assert ev("SUM_ALL({Int}, {Group})", C.number) == [10.0, 10.0, -3.0, 0.0]
    assert ev("COUNT_ALL({Text})", C.number) == [2.0] * 4
    assert ev("MAX_ALL({Day})", C.date) == [date(2024, 2, 29)] * 4
    assert ev("MEDIAN_ALL({Int})", C.number) == [0.0] * 4


def test_aggregates_of_a_value_that_reads_no_column_count_every_row() -> None:
    """SUM_ALL(1) aggregated one held value (1.0) instead of one per row (4.0)."""
    assert ev("SUM_ALL(1)", C.number) == [4.0] * 4
    assert ev("COUNT_ALL(NOW())", C.number) == [4.0] * 4
    assert ev("SUM_ALL(1, {Group})", C.number) == [2.0, 2.0, 1.0, 1.0]
    assert ev("SUM_ALL(SUM_ALL(1))", C.number) == [16.0] * 4
    assert ev("AVG_ALL(2) + MEDIAN_ALL(3)", C.number) == [5.0] * 4


def test_an_aggregate_inside_a_grouped_one_is_over_the_whole_panel() -> None:
    """They were computed inside the group's window: deviations from each group's own mean."""
    third = pytest.approx([-1 / 3, -1 / 3, 1 / 3, 1 / 3])
    assert ev("SUM_ALL({Number} - AVG_ALL({Number}), {Group})", C.number) == third
    assert ev("MAX_ALL(SUM_ALL({Int}, {Flag}), {Group})", C.number) == [10.0, 10.0, -3.0, 10.0]


# --- checking and messages ---------------------------------------------------------------------
def _error(formula: str, type_: C = C.number) -> FormulaError:
    with pytest.raises(ColumnFormulaError) as info:
        validate_columns([FormulaColumn("f", "F", formula, type_)], columns=COLUMNS, names=NAMES)
    assert isinstance(info.value.error, FormulaError)
    return info.value.error


def test_unknown_column_suggests_the_closest_names() -> None:
    error = _error("{Numbr} + 1")
    assert error.message == "unknown column {Numbr}"
    assert error.position == 0
    assert error.hint == "did you mean {Number}?"


def test_type_mismatch_names_both_types_and_the_position() -> None:
    error = _error("1 + {Text}")
    assert error.message == "operator + does not apply to number and text"
    assert (error.line, error.column) == (1, 3)
    assert "& to join text" in (error.hint or "")
    error = _error("ROUND({Text}, 0)")
    assert error.message == "ROUND() argument 1 must be a number, not text"
    assert error.hint == "convert text with VALUE()"


def test_the_result_type_must_fit_the_column() -> None:
    error = _error('"text"', C.number)
    assert error.message == "the formula gives text but the column is number"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("IF({Number} > 1, 1", "expected ',' or ')' to close IF(, found the end of the formula"),
        ("ROUNDD(1)", "unknown function ROUNDD()"),
        ("Number + 1", "unknown name 'Number'"),
        ('"open', "unterminated string"),
        ("IF(TRUE)", "IF() takes 2 to 3 arguments, got 1"),
        ('REGEX_MATCH({Text}, "(")', "invalid regular expression"),
        ("DATEADD({Day}, 1, 'fortnights')", "unknown unit 'fortnights'"),
        ("IF(TRUE, 1, TODAY())", "IF() results mix number and date"),
        ("ROUND()", "ROUND() takes 2 arguments, got 0"),
        ("WORKDAY({Day})", "WORKDAY() takes 2 to 3 arguments, got 1"),
        ("IS_SAME({Day}, {Day}, 'fortnight')", "unknown unit 'fortnight'"),
        ("{Day} > 3", "cannot compare date with number"),
    ],
)
def test_error_messages(formula: str, message: str) -> None:
    assert _error(formula).message.startswith(message)


def test_unknown_function_suggests_a_close_one() -> None:
    assert (_error("ROUNDD(1)").hint or "").startswith("did you mean ROUND()")


def test_length_and_depth_are_limited() -> None:
    with pytest.raises(FormulaError, match="longer than"):
        parse("1+" * 6000 + "1")
    with pytest.raises(FormulaError, match="deeper than"):
        parse("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5))


def test_cycles_are_rejected_with_the_cycle_named() -> None:
    formulas = [
        FormulaColumn("a", "A", "{b} + 1", C.number),
        FormulaColumn("b", "B", "{c} * 2", C.number),
        FormulaColumn("c", "C", "{a}", C.number),
        FormulaColumn("d", "D", "{a}", C.number),
    ]
    with pytest.raises(
        ColumnFormulaError, match=r"cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)"
    ):
        validate_columns(formulas, columns={}, names={})
    with pytest.raises(ColumnFormulaError, match="cycle: a -> a"):
        validate_columns([FormulaColumn("a", "A", "{a} + 1", C.number)], columns={}, names={})


def test_formula_columns_are_evaluated_in_dependency_order() -> None:
    formulas = [
        FormulaColumn("total", "Total", "{Double} + 1", C.number),
        FormulaColumn("double", "Double", "{Number} * 2", C.number),
    ]
    out, stats = evaluate_columns(
        FRAME, formulas, columns=COLUMNS, names={**NAMES, "Double": "double"}, now=NOW
    )
    assert out.get_column("total").to_list() == [4.0, -4.0, 1.0, 1.0]
    assert stats["total"] == {"errors": 0, "blank": 0}


def test_a_formula_broken_by_a_schema_change_blanks_its_column_without_failing() -> None:
    out, stats = evaluate_columns(
        FRAME,
        [FormulaColumn("f", "F", "{gone} + 1", C.number)],
        columns=COLUMNS,
        names=NAMES,
        now=NOW,
    )
    assert out.get_column("f").to_list() == [None] * 4
    assert "unknown column {gone}" in stats["f"]["invalid"]
