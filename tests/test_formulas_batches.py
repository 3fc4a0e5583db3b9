"""Formula columns evaluated batch by batch give the frame and stats evaluate_columns gives
the whole table: aggregates (nested, grouped, over formula columns), LOOKUP, NOW(), errors."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core.enums import ColumnType as C
from formulas import BatchFormulas, FormulaColumn, evaluate_columns, evaluate_reference
from formulas.types import T
from tests.test_formulas_properties import booleans, dates, integers, texts

NOW = datetime(2024, 5, 17, 8, 0, tzinfo=UTC)
# Numbers are halves and quarters: every sum is exact, whatever order it is added in.
FRAME = pl.DataFrame(
    {
        "x": [1.5, -2.25, None, 0.0, 4.0, 8.5, -1.0, None, 3.25, 0.5, 2.0, -6.0, 1.0],
        "i": [10, None, -3, 0, 7, 7, 2, 1, None, -4, 5, 5, 9],
        "t": ["a", "", None, "b", "c", "c", None, "a", "d", "", "e", "f", "g"],
        "g": ["p", "q", None, "p", "q", "r", "p", None, "r", "q", "p", "s", "s"],
        "b": [True, False, None, True, True, False, None, False, True, True, False, None, True],
        "d": [
            date(2024, 1, 31),
            date(2024, 2, 29),
            None,
            date(2023, 12, 31),
            date(2024, 6, 1),
            date(2022, 3, 3),
            date(2024, 1, 1),
            None,
            date(2025, 7, 4),
            date(2024, 2, 1),
            date(2021, 5, 5),
            date(2024, 12, 24),
            date(2024, 1, 2),
        ],
        "k": ["AA", "UA", "DL", None, "AA", "ZZ", "UA", "AA", "", "DL", "UA", "XX", "AA"],
    }
)
COLUMNS = {"x": C.number, "i": C.integer, "t": C.text, "g": C.text, "b": C.boolean}
COLUMNS |= {"d": C.date, "k": C.text}
NAMES = {"X": "x", "I": "i", "T": "t", "G": "g", "B": "b", "D": "d", "K": "k"}
PROPERTY_SCHEMA = {"x": pl.Float64, "i": pl.Int64, "t": pl.String, "g": pl.String}
PROPERTY_SCHEMA |= {"b": pl.Boolean, "d": pl.Date}
AIRLINES = pl.DataFrame(
    {
        "carrier": ["AA", "UA", "DL", "AA", "WN"],
        "name": ["American", "United", "Delta", "American again", "Southwest"],
        "seats": [300.0, 250.5, None, 1.0, 143.0],
    }
)


class Airlines:
    """A LOOKUP source holding one panel in memory; counts the frames it is asked for."""

    def __init__(self) -> None:
        self.fetched: list[tuple[str, str, str]] = []

    def column_type(self, panel: str, column: str) -> T | None:
        types = {"carrier": T.text, "name": T.text, "seats": T.number}
        return types.get(column) if panel == "airlines" else None

    def frame(self, panel: str, key: str, result: str) -> pl.DataFrame:
        self.fetched.append((panel, key, result))
        return AIRLINES.select(key, result)


def F(key: str, formula: str, type_: C = C.number) -> FormulaColumn:
    return FormulaColumn(key, key.upper(), formula, type_)


PANEL = [
    F("row", "{X} * 2 + {I}"),
    F("share", "{X} / SUM_ALL({X})"),
    F("dev", "{X} - AVG_ALL({X}, {G})"),
    F("med", "MEDIAN_ALL({X}) + MEDIAN_ALL({I}, {G})"),
    F("cnt", "COUNT_ALL({T}, {G}) + COUNT_ALL({T})"),
    F("span", "DATETIME_DIFF(MAX_ALL({D}), MIN_ALL({D}, {G}), 'days')"),
    F("latest", "MAX_ALL({D}, {B})", C.date),
    F("above", "{X} > AVG_ALL({X})", C.boolean),
    F("nested", "SUM_ALL({X} - AVG_ALL({X}), {G}) + MAX_ALL(MIN_ALL({I}, {G}))"),
    F("level2", "SUM_ALL({DEV}, {G})"),
    F("level3", "MAX_ALL({LEVEL2} * {X}, {B}) - {ROW}"),
    F("in_aggregate", "SUM_ALL(1 / {X}) + AVG_ALL(MOD({I}, {X}), {G})"),  # errors count as blank
    F("in_row", "{I} / {X} + AVG_ALL({X})"),
    F("by_agg", "SUM_ALL({I}, {X} > AVG_ALL({X}))"),
    F("const", "SUM_ALL(1, {G}) + COUNT_ALL(TODAY())"),
    F("bools", "SUM_ALL({B}) + MIN_ALL({B}, {G})"),
    F("rounded", "AVG_ALL({I}) * 3", C.integer),
    F("label", '{T} & "/" & COUNT_ALL({T}, {G})', C.text),
    F("name", 'LOOKUP("airlines", "carrier", {K}, "name")', C.text),
    F("names", 'COUNT_ALL(LOOKUP("airlines", "carrier", {K}, "name"), {G})'),
    F("seats", 'SUM_ALL(LOOKUP("airlines", "carrier", {K}, "seats")) - {X}'),
    F("by_name", 'AVG_ALL({X}, LOOKUP("airlines", "carrier", {K}, "name"))'),
    F("age", "DATETIME_DIFF(NOW(), {D}, 'days') + DATETIME_DIFF(TODAY(), MIN_ALL({D}), 'days')"),
    F("broken", "{Missing} + SUM_ALL({X})"),
    F("uses_broken", "SUM_ALL({BROKEN}) + 1"),
    F("blank_group", "SUM_ALL({X}, BLANK()) + COUNT_ALL(BLANK())"),
]


def batches(frame: pl.DataFrame, sizes: Sequence[int]) -> list[pl.DataFrame]:
    """``frame`` cut into batches of ``sizes`` (repeated to the end); an empty frame is one
    empty batch."""
    out, start, i = [], 0, 0
    while start < frame.height:
        size = sizes[i % len(sizes)]
        out.append(frame.slice(start, size))
        start, i = start + size, i + 1
    return out or [frame]


def run(
    parts: list[pl.DataFrame],
    formulas: Sequence[FormulaColumn],
    *,
    columns: dict[str, C] = COLUMNS,
    names: dict[str, str] = NAMES,
    lookup: Airlines | None = None,
    now: datetime | None = NOW,
) -> tuple[pl.DataFrame, dict[str, object], BatchFormulas]:
    """The sync's protocol: every pass over the batches, then each batch evaluated."""
    evaluator = BatchFormulas(
        formulas, columns=columns, names=names_of(formulas, names), lookup=lookup, now=now
    )
    for p in range(evaluator.passes):
        for batch in parts:
            evaluator.observe(batch, p)
        evaluator.end_pass(p)
    out = [evaluator.evaluate(batch) for batch in parts]
    return pl.concat(out) if out else pl.DataFrame(), evaluator.stats, evaluator


def names_of(formulas: Sequence[FormulaColumn], names: dict[str, str] = NAMES) -> dict[str, str]:
    return names | {f.name: f.key for f in formulas}


def whole(frame: pl.DataFrame, formulas: Sequence[FormulaColumn]) -> tuple[pl.DataFrame, dict]:
    names = names_of(formulas)
    return evaluate_columns(
        frame, formulas, columns=COLUMNS, names=names, now=NOW, lookup=Airlines()
    )


@pytest.mark.parametrize(
    "sizes",
    [[1], [3], [7], [13], [100], [2, 0, 5, 1, 4], [0, 6, 0, 7], [4, 9]],
    ids=lambda s: "-".join(map(str, s)),
)
def test_batches_of_any_size_give_the_whole_frame_result(sizes: list[int]) -> None:
    expected, expected_stats = whole(FRAME, PANEL)
    parts = batches(FRAME, sizes)
    if 0 in sizes:
        assert any(p.height == 0 for p in parts)
    got, stats, _ = run(parts, PANEL, lookup=Airlines())
    assert_frame_equal(got, expected)
    assert stats == expected_stats
    assert stats["broken"] == {"invalid": expected_stats["broken"]["invalid"]}
    assert stats["in_row"]["errors"] == 3  # {I} / 0 in a row: blank, and counted


@pytest.mark.parametrize("key", [f.key for f in PANEL])
def test_each_formula_alone_in_batches_of_three(key: str) -> None:
    formulas = [f for f in PANEL if f.key == key]
    if key in ("level2", "level3", "uses_broken"):  # with the formula columns they use
        formulas = [f for f in PANEL if f.key in ("row", "dev", "level2", "broken")] + formulas
    expected, expected_stats = whole(FRAME, formulas)
    got, stats, _ = run(batches(FRAME, [3]), formulas, lookup=Airlines())
    assert_frame_equal(got, expected)
    assert stats == expected_stats


@pytest.mark.parametrize(
    ("formulas", "passes"),
    [
        ([F("a", "{X} * 2"), F("c", "{A} + LEN({T})")], 0),
        ([F("a", 'LOOKUP("airlines", "carrier", {K}, "seats") + 1')], 0),
        ([F("a", "{X} - AVG_ALL({X})")], 1),
        ([F("a", "SUM_ALL({X}, {G}) + COUNT_ALL({T})"), F("c", "{A} * 2")], 1),
        ([F("a", "{X} - AVG_ALL({X})"), F("c", "SUM_ALL({A})")], 2),
        ([F("a", "SUM_ALL({X} - AVG_ALL({X}))")], 2),
        ([F("a", "SUM_ALL({X}, {X} > AVG_ALL({X}))")], 2),
        ([F("a", "AVG_ALL({X})"), F("c", "{A} + 1"), F("e", "MAX_ALL({C})"), F("f", "{E}")], 2),
        ([F("a", "AVG_ALL({X})"), F("c", "MIN_ALL({A})"), F("e", "MAX_ALL({C} + {A})")], 3),
        ([F("a", "SUM_ALL({Missing})"), F("c", "SUM_ALL({A})")], 1),
    ],
)
def test_passes_follow_the_aggregates_each_formula_waits_for(
    formulas: list[FormulaColumn], passes: int
) -> None:
    names = names_of(formulas)
    evaluator = BatchFormulas(formulas, columns=COLUMNS, names=names, lookup=Airlines())
    assert evaluator.passes == passes
    expected, expected_stats = whole(FRAME, formulas)
    got, stats, _ = run(batches(FRAME, [4]), formulas, lookup=Airlines())
    assert_frame_equal(got, expected)
    assert stats == expected_stats


def test_lookup_frames_are_fetched_once_however_many_batches() -> None:
    formulas = [f for f in PANEL if "LOOKUP" in f.formula]  # "name" in three of them
    lookup = Airlines()
    _, _, evaluator = run(batches(FRAME, [1]), formulas, lookup=lookup)
    assert evaluator.passes == 1  # the lookups inside aggregates are read in that pass too
    assert sorted(lookup.fetched) == [
        ("airlines", "carrier", "name"),
        ("airlines", "carrier", "seats"),
    ]


def test_now_is_one_instant_for_every_batch() -> None:
    formulas = [F("now", "NOW()", C.datetime), F("today", "TODAY()", C.date)]
    got, _, _ = run(batches(FRAME, [1]), formulas, now=None)
    assert got.get_column("now").n_unique() == 1
    assert got.get_column("today").n_unique() == 1
    assert got.get_column("now")[0] <= datetime.now(UTC)
    fixed, _, _ = run(batches(FRAME, [5]), formulas, now=NOW)
    assert fixed.get_column("now").to_list() == [NOW] * FRAME.height


def test_no_batch_at_all_and_an_empty_batch() -> None:
    empty = FRAME.head(0)
    got, stats, evaluator = run([], PANEL, lookup=Airlines())
    assert got.height == 0
    assert stats == whole(empty, PANEL)[1]
    expected, _ = whole(empty, PANEL)
    assert_frame_equal(evaluator.evaluate(empty), expected)
    got, stats, _ = run([empty], PANEL, lookup=Airlines())
    assert_frame_equal(got, expected)


def test_calls_out_of_order_are_refused_naming_the_next_call() -> None:
    evaluator = BatchFormulas(PANEL, columns=COLUMNS, names=names_of(PANEL), lookup=Airlines())
    assert evaluator.passes == 3
    with pytest.raises(ValueError, match=r"evaluate\(batch\) out of order.*observe\(batch, 0\)"):
        evaluator.evaluate(FRAME)
    with pytest.raises(ValueError, match=r"observe\(batch, 1\) out of order"):
        evaluator.observe(FRAME, 1)
    evaluator.observe(FRAME, 0)
    evaluator.end_pass(0)
    with pytest.raises(ValueError, match=r"end_pass\(0\) out of order.*end_pass\(1\)"):
        evaluator.end_pass(0)
    row_wise = BatchFormulas([F("a", "{X} + 1")], columns=COLUMNS, names=NAMES)
    with pytest.raises(ValueError, match=r"observe\(batch, 0\) out of order: 0 passes"):
        row_wise.observe(FRAME, 0)


def test_nan_infinity_and_signed_zero_combine_as_in_one_frame() -> None:
    """Sums and means take NaN and infinities along; minima and maxima skip NaN; NaN is one
    group and 0.0 and -0.0 are one group, as Polars' window groups them."""
    nan, inf = float("nan"), float("inf")
    frame = pl.DataFrame(
        {
            "x": [1.0, nan, None, inf, -2.0, -0.0, 0.0, nan, 4.0, -inf],
            "i": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "g": ["a", "a", "b", "b", "c", "c", None, None, "d", "d"],
        }
    )
    columns, names = {"x": C.number, "i": C.integer, "g": C.text}, {"X": "x", "I": "i", "G": "g"}
    formulas = [
        F(f"{fn.lower()}{suffix}", f"{fn}({{X}}{group})")
        for fn in ("SUM_ALL", "AVG_ALL", "MIN_ALL", "MAX_ALL", "MEDIAN_ALL", "COUNT_ALL")
        for suffix, group in (("", ""), ("_g", ", {G}"))
    ] + [F("by_x", "SUM_ALL({I}, {X})"), F("by_text", 'COUNT_ALL({I}, {X} & "")')]
    expected, expected_stats = evaluate_columns(frame, formulas, columns=columns, names=names)
    for sizes in ([1], [3], [4, 0, 1]):
        got, stats, _ = run(batches(frame, sizes), formulas, columns=columns, names=names)
        assert_frame_equal(got, expected)
        assert stats == expected_stats
    assert math.isnan(expected.get_column("sum_all")[0])
    assert expected.get_column("by_x").to_list()[5:8] == [13.0, 13.0, 10.0]


def test_sums_of_inexact_numbers_differ_only_in_rounding() -> None:
    """Summation order is not canonical: the whole-frame sum itself changes in its last
    digits with the engine and the chunking. Batch sums are combined without further loss."""
    rng = random.Random(7)
    values = [rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-6, 6) for _ in range(500)]
    frame = pl.DataFrame({"x": values, "g": [str(i % 4) for i in range(500)]})
    formulas = [F("s", "SUM_ALL({X})"), F("a", "AVG_ALL({X}, {G})"), F("m", "MEDIAN_ALL({X})")]
    columns, names = {"x": C.number, "g": C.text}, {"X": "x", "G": "g"}
    expected, _ = evaluate_columns(frame, formulas, columns=columns, names=names)
    got, _, _ = run(batches(frame, [7, 1, 64]), formulas, columns=columns, names=names)
    exact = math.fsum(values)
    for key in ("s", "a"):
        for g, e in zip(got.get_column(key), expected.get_column(key), strict=True):
            assert g == pytest.approx(e, rel=1e-12)
    assert got.get_column("s")[0] == pytest.approx(exact, rel=1e-15)
    assert got.get_column("m").to_list() == expected.get_column("m").to_list()


# --- generated: aggregates over generated values and groups, cut into generated batches --------
# Quarters below 2**20: sums are exact in any order, so batches must match to the last digit.
quarters = st.one_of(st.none(), st.integers(-(2**20), 2**20).map(lambda n: n / 4))
generated_row = st.fixed_dictionaries(
    {"x": quarters, "i": integers, "t": texts, "g": texts, "b": booleans, "d": dates}
)
EXACT = ["SUM_ALL", "MEDIAN_ALL", "MIN_ALL", "MAX_ALL", "COUNT_ALL"]  # exact over quarters
VALUES = ["{X}", "{I}", "({X} + {I})", "({X} - {I} * 2)", "-{X}", "IF({B}, {X}, {I})"]
VALUES += ["ABS({X})", "INT({X})", "LEN({T})", "1", "BLANK()", "{B}", "(1 / {X})"]
GROUPS = ["{G}", "{B}", "{D}", "{I}", "INT({X} / 4)", '{T} & "-" & {B}', "1", "BLANK()"]


@st.composite
def aggregate(draw: st.DrawFn, depth: int = 0, nested: bool = False) -> str:
    """An aggregate call; ``nested`` ones give numbers that add exactly (no AVG_ALL, no date)."""
    name = draw(st.sampled_from(EXACT if nested else [*EXACT, "AVG_ALL"]))
    if name in ("MIN_ALL", "MAX_ALL") and not nested and draw(st.booleans()):
        value = "{D}"
    elif depth < 2 and draw(st.integers(0, 2)) == 0:
        op = draw(st.sampled_from(["+", "-", "*"]))
        value = f"({draw(st.sampled_from(VALUES))} {op} {draw(aggregate(depth + 1, True))})"
    else:
        value = draw(st.sampled_from(VALUES))
    if draw(st.booleans()):
        return f"{name}({value})"
    group = draw(st.sampled_from(GROUPS))
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        group = f"({group} & {draw(aggregate(depth + 1, True))})"
    return f"{name}({value}, {group})"


def _as_number(formula: str) -> str:
    return f'IF(ISBLANK({formula}), -1, VALUE({formula} & ""))' if "{D}" in formula else formula


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(generated_row, max_size=14),
    aggregate(),
    st.sampled_from(EXACT),
    st.sampled_from(GROUPS),
    st.tuples(st.lists(st.integers(0, 6), max_size=3), st.integers(1, 6)).map(
        lambda t: [*t[0], t[1]]
    ),
)
def test_generated_aggregates_agree_in_any_batches(
    rows: list[dict[str, object]], first: str, second: str, group: str, sizes: list[int]
) -> None:
    frame = pl.DataFrame(rows, schema=PROPERTY_SCHEMA)
    formulas = [
        F("first", _as_number(first)),
        F("second", f"{second}(({'{FIRST}'} * 2 - {{X}}), {group})"),
        F("third", f"{{SECOND}} + {{X}} - {_as_number(first)}"),
    ]
    columns = {"x": C.number, "i": C.integer, "t": C.text, "g": C.text, "b": C.boolean}
    columns["d"] = C.date
    names = {"X": "x", "I": "i", "T": "t", "G": "g", "B": "b", "D": "d"}
    names |= {f.name: f.key for f in formulas}
    expected, expected_stats = evaluate_columns(
        frame, formulas, columns=columns, names=names, now=NOW
    )
    assert all("invalid" not in s for s in expected_stats.values()), expected_stats
    got, stats, _ = run(batches(frame, sizes), formulas, columns=columns, names=names)
    assert_frame_equal(got, expected)
    assert stats == expected_stats
    reference = evaluate_reference(rows, formulas[0], columns=columns, names=names, now=NOW)
    for g, r in zip(got.get_column("first"), reference, strict=True):
        assert g == r or (g is not None and r is not None and math.isclose(g, r, rel_tol=1e-9))


def test_a_group_of_blanks_keeps_every_row_in_batches() -> None:
    """Found by the generated test above: MEDIAN_ALL grouped by BLANK() over rows whose values
    are all blank gave no rows at all in batches (a left join of a Null-typed key with an empty
    right side loses the left rows in Polars)."""
    frame = pl.DataFrame(
        [{"x": None, "i": None, "t": None, "g": None, "b": None, "d": None}] * 2,
        schema=PROPERTY_SCHEMA,
    )
    columns = {"x": C.number, "i": C.integer, "t": C.text, "g": C.text, "b": C.boolean}
    columns["d"] = C.date
    names = {"X": "x", "G": "g"}
    for formula in ("MEDIAN_ALL({X}, BLANK())", "SUM_ALL({X}, BLANK())", "MIN_ALL({X}, BLANK())"):
        formulas = [F("first", formula)]
        expected, _ = evaluate_columns(frame, formulas, columns=columns, names=names, now=NOW)
        for sizes in ([2], [1, 1]):
            got, _, _ = run(batches(frame, sizes), formulas, columns=columns, names=names)
            assert got.height == 2, (formula, sizes)
            assert_frame_equal(got, expected)
