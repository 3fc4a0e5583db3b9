"""Property tests: the vectorised engine agrees with the row-by-row reference interpreter on
generated formulas over generated data with blanks."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.enums import ColumnType as C
from formulas import FormulaColumn, evaluate_columns, evaluate_reference

NOW = datetime(2024, 5, 17, 8, 0, tzinfo=UTC)
COLUMNS = {"x": C.number, "y": C.integer, "s": C.text, "u": C.text, "b": C.boolean, "d": C.date}
NAMES = {"X": "x", "Y": "y", "S": "s", "U": "u", "B": "b", "D": "d"}

numbers = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.5, -3.25]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
integers = st.one_of(st.none(), st.integers(min_value=-1000, max_value=1000))
texts = st.one_of(st.none(), st.text(alphabet="abAB é-x", max_size=8))
booleans = st.one_of(st.none(), st.booleans())
dates = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))

row = st.fixed_dictionaries(
    {"x": numbers, "y": integers, "s": texts, "u": texts, "b": booleans, "d": dates}
)


def _leaf_number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["{X}", "{Y}", "0", "1", "2.5", "-3", "BLANK()"]),
        st.integers(-20, 20).map(str),
    )


def _leaf_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["{S}", "{U}", '""', '"a"', '"é-B"']))


@st.composite
def number_expr(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.integers(0, 3)) == 0:
        return draw(_leaf_number())
    n = lambda: draw(number_expr(depth + 1))  # noqa: E731
    t = lambda: draw(text_expr(depth + 1))  # noqa: E731
    b = lambda: draw(bool_expr(depth + 1))  # noqa: E731
    choice = draw(st.integers(0, 24))
    if choice <= 3:
        return f"({n()} {draw(st.sampled_from(['+', '-', '*', '/', '%', '^']))} {n()})"
    return [
        lambda: f"-{n()}",
        lambda: f"ROUND({n()}, {draw(st.integers(-2, 3))})",
        lambda: f"ABS({n()})",
        lambda: f"INT({n()})",
        lambda: f"MOD({n()}, {n()})",
        lambda: f"SQRT({n()})",
        lambda: f"MAX({n()}, {n()}, {n()})",
        lambda: f"AVERAGE({n()}, {n()})",
        lambda: f"LEN({t()})",
        lambda: f"FIND({t()}, {t()})",
        lambda: f"IF({b()}, {n()}, {n()})",
        lambda: f"ROUNDUP({n()}, 1)",
        lambda: f"EVEN({n()})",
        lambda: f"ODD({n()})",
        lambda: f"COUNT({n()}, {t()}, {b()})",
        lambda: f"COUNTA({n()}, {t()}, {{D}})",
        lambda: f"COUNTALL({n()}, {t()})",
        lambda: f"SECOND({draw(date_expr())})",
        lambda: f"TONOW({draw(date_expr())})",
        lambda: f"FLOOR({n()}, 0.1)",
        lambda: f"IFERROR({n()}, TRUE())",
    ][choice - 4]()


@st.composite
def text_expr(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.integers(0, 3)) == 0:
        return draw(_leaf_text())
    n = lambda: draw(number_expr(depth + 1))  # noqa: E731
    t = lambda: draw(text_expr(depth + 1))  # noqa: E731
    b = lambda: draw(bool_expr(depth + 1))  # noqa: E731
    return draw(
        st.sampled_from(
            [
                lambda: f"({t()} & {t()})",
                lambda: f"({t()} & {n()})",
                lambda: f"UPPER({t()})",
                lambda: f"LOWER({t()})",
                lambda: f"TRIM({t()})",
                lambda: f"LEFT({t()}, {draw(st.integers(0, 4))})",
                lambda: f"RIGHT({t()}, {draw(st.integers(0, 4))})",
                lambda: f"MID({t()}, {draw(st.integers(1, 4))}, 2)",
                lambda: f'SUBSTITUTE({t()}, "a", {t()})',
                lambda: f"REPT({t()}, {draw(st.integers(0, 3))})",
                lambda: f"IF({b()}, {t()}, {t()})",
                lambda: f"CONCAT({t()}, {b()}, {n()})",
                lambda: f"T({t()})",
                lambda: f"ENCODE_URL_COMPONENT({t()})",
                lambda: f"IF({b()}, {n()}, {t()})",
                lambda: f'IFERROR({n()}, "n/a")',
                lambda: f"DATESTR({draw(date_expr())})",
                lambda: f"TIMESTR({draw(date_expr())})",
                lambda: f"TEXT({n()}, '{draw(st.sampled_from(NUMBER_FORMATS))}')",
                lambda: f'ARRAYJOIN({draw(array_expr())}, "|")',
                lambda: draw(array_expr()),
            ]
        )
    )()


@st.composite
def bool_expr(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["{B}", "TRUE", "FALSE"]))
    n = lambda: draw(number_expr(depth + 1))  # noqa: E731
    t = lambda: draw(text_expr(depth + 1))  # noqa: E731
    b = lambda: draw(bool_expr(depth + 1))  # noqa: E731
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
    return draw(
        st.sampled_from(
            [
                lambda: f"({n()} {op} {n()})",
                lambda: f"({t()} {op} {t()})",
                lambda: f"AND({b()}, {b()})",
                lambda: f"OR({b()}, {n()})",
                lambda: f"NOT({b()})",
                lambda: f"XOR({b()}, {b()}, {b()})",
                lambda: f"ISBLANK({t()})",
                lambda: f"ISERROR({n()})",
                lambda: f"({'{D}'} {op} #2020-02-29#)",
                lambda: f"IS_AFTER({draw(date_expr())}, {draw(date_expr())})",
                lambda: f"IS_BEFORE({draw(date_expr())}, #2024-02-29#)",
                lambda: (
                    f"IS_SAME({draw(date_expr())}, {draw(date_expr())},"
                    f" '{draw(st.sampled_from(['day', 'week', 'month', 'quarter', 'year']))}')"
                ),
                lambda: "TRUE()",
            ]
        )
    )()


@st.composite
def date_expr(draw: st.DrawFn) -> str:
    n = draw(st.integers(-40, 40))
    return draw(
        st.sampled_from(
            [
                "{D}",
                f"({'{D}'} + {n})",
                f"DATEADD({{D}}, {n}, 'months')",
                f"DATEADD({{D}}, {n}, 'days')",
                "IF({B}, {D}, #2024-02-29#)",
                f"WORKDAY({{D}}, {n})",
                f"WORKDAY({{D}}, {n}, '2024-02-29, 2024-12-25')",
            ]
        )
    )


NUMBER_FORMATS = [
    "#,##0.00",
    "0.0%",
    "$#,##0;($#,##0)",
    "0.00E+00",
    '0.0,"k"',
    "000-000",
    "#.##",
    "0.0?",
    '+0;-0;"zero"',
]


@st.composite
def array_expr(draw: st.DrawFn) -> str:
    """An array function over a JSON array literal, a text column (a one-item array) or
    another array function."""
    literal = draw(
        st.sampled_from(
            [
                """'[1, "a", null, "", false, "a", 1]'""",
                """'[[1, 2], ["x"], 3]'""",
                "'[]'",
                "{S}",
            ]
        )
    )
    fn = draw(st.sampled_from(["ARRAYCOMPACT", "ARRAYUNIQUE", "ARRAYFLATTEN", "ARRAYSLICE"]))
    if fn == "ARRAYSLICE":
        return f"ARRAYSLICE({literal}, {draw(st.integers(-4, 4))}, {draw(st.integers(-4, 4))})"
    return f"{fn}({literal})"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _check(formula: str, type_: C, rows: list[dict[str, object]]) -> None:
    frame = pl.DataFrame(
        rows,
        schema={
            "x": pl.Float64,
            "y": pl.Int64,
            "s": pl.String,
            "u": pl.String,
            "b": pl.Boolean,
            "d": pl.Date,
        },
    )
    column = FormulaColumn("f", "F", formula, type_)
    vectorised, _ = evaluate_columns(frame, [column], columns=COLUMNS, names=NAMES, now=NOW)
    expected = evaluate_reference(frame.to_dicts(), column, columns=COLUMNS, names=NAMES, now=NOW)
    got = vectorised.get_column("f").to_list()
    mismatches = [
        (i, g, e) for i, (g, e) in enumerate(zip(got, expected, strict=True)) if not _same(g, e)
    ]
    assert not mismatches, (formula, [(rows[i], g, e) for i, g, e in mismatches[:3]])


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(number_expr(), st.lists(row, min_size=1, max_size=12))
def test_number_formulas_agree(formula: str, rows: list[dict[str, object]]) -> None:
    _check(formula, C.number, rows)


@SETTINGS
@given(text_expr(), st.lists(row, min_size=1, max_size=12))
def test_text_formulas_agree(formula: str, rows: list[dict[str, object]]) -> None:
    _check(formula, C.text, rows)


@SETTINGS
@given(bool_expr(), st.lists(row, min_size=1, max_size=12))
def test_boolean_formulas_agree(formula: str, rows: list[dict[str, object]]) -> None:
    _check(formula, C.boolean, rows)


@SETTINGS
@given(date_expr(), st.lists(row, min_size=1, max_size=12))
def test_date_formulas_agree(formula: str, rows: list[dict[str, object]]) -> None:
    _check(formula, C.date, rows)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(row, min_size=1, max_size=15),
    st.sampled_from(["SUM_ALL", "AVG_ALL", "MIN_ALL", "MAX_ALL", "COUNT_ALL", "MEDIAN_ALL"]),
)
def test_aggregates_agree(rows: list[dict[str, object]], fn: str) -> None:
    _check(f"{fn}({{X}}, {{S}})", C.number, rows)
    _check(f"{fn}({{Y}})", C.number, rows)


def test_mod_by_a_tiny_divisor_is_an_error_in_both_engines() -> None:
    """Found by test_boolean_formulas_agree: 4 / 2.2e-308 overflows; the reference raised."""
    _check("MOD(4, 2.2250738585072014e-308) > 1", C.boolean, [{}])


# Row metadata (RECORD_ID, CREATED_TIME, LAST_MODIFIED_TIME) as a sync supplies it.
instants = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
)
synced_row = st.fixed_dictionaries(
    {
        "x": numbers,
        "s": texts,
        "b": booleans,
        "_row_id": st.integers(min_value=1, max_value=10**12),
        "_meta.created": instants,
        "_meta.changed": instants,
    }
)
row_metadata_formulas = st.sampled_from(
    [
        ("RECORD_ID() & {S}", C.text),
        ("LEN(RECORD_ID()) + {X}", C.number),
        ("VALUE(RECORD_ID()) = {X}", C.boolean),
        ("DATETIME_DIFF(LAST_MODIFIED_TIME(), CREATED_TIME(), 'minutes')", C.number),
        ("IF({B}, CREATED_TIME(), LAST_MODIFIED_TIME())", C.datetime),
        ("DATETIME_FORMAT(CREATED_TIME(), 'YYYY-MM-DD HH:mm') & RECORD_ID()", C.text),
        ("IS_BEFORE(CREATED_TIME(), DATEADD(LAST_MODIFIED_TIME(), {X}, 'hours'))", C.boolean),
        ("COALESCE(LAST_MODIFIED_TIME(), CREATED_TIME(), NOW())", C.date),
    ]
)


@settings(max_examples=80, deadline=None)
@given(row_metadata_formulas, st.lists(synced_row, min_size=1, max_size=12))
def test_row_metadata_formulas_agree(pair: tuple[str, C], rows: list[dict[str, object]]) -> None:
    formula, type_ = pair
    time = pl.Datetime("us", "UTC")
    frame = pl.DataFrame(
        rows,
        schema={
            "x": pl.Float64,
            "s": pl.String,
            "b": pl.Boolean,
            "_row_id": pl.Int64,
            "_meta.created": time,
            "_meta.changed": time,
        },
    )
    column = FormulaColumn("f", "F", formula, type_)
    vectorised, _ = evaluate_columns(frame, [column], columns=COLUMNS, names=NAMES, now=NOW)
    expected = evaluate_reference(frame.to_dicts(), column, columns=COLUMNS, names=NAMES, now=NOW)
    got = vectorised.get_column("f").to_list()
    assert all(_same(g, e) for g, e in zip(got, expected, strict=True)), (formula, got, expected)
