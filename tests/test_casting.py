"""Casting text to dates and times: one format found from a sample, and mixed spellings still
parsed value by value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from connectors.casting import SAMPLE, cast_series
from core.enums import ColumnType


def test_dates_in_one_spelling_are_parsed() -> None:
    text = pl.Series("d", ["1996-03-13", None, " 1994-01-29 ", "not a date"])
    assert cast_series(text, ColumnType.date).to_list() == [
        date(1996, 3, 13),
        None,
        date(1994, 1, 29),
        None,
    ]


def test_spellings_that_change_after_the_sample_are_still_parsed() -> None:
    text = pl.Series(
        "t",
        ["2024-01-02"] * SAMPLE
        + ["2024-01-02T10:30:00+02:00", "2024-01-02 10:30", "2024-01-02T10:30:00.250Z"],
    )
    parsed = cast_series(text, ColumnType.datetime).to_list()
    assert parsed[0] == datetime(2024, 1, 2, tzinfo=UTC)
    assert parsed[SAMPLE:] == [
        datetime(2024, 1, 2, 8, 30, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 30, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 30, 0, 250_000, tzinfo=UTC),
    ]


def test_an_offset_is_converted_to_utc() -> None:
    text = pl.Series("t", ["2024-06-01T23:00:00-01:00", "2024-06-01T00:00:00Z"])
    assert cast_series(text, ColumnType.datetime).to_list() == [
        datetime(2024, 6, 2, 0, 0, tzinfo=UTC),
        datetime(2024, 6, 1, 0, 0, tzinfo=UTC),
    ]
