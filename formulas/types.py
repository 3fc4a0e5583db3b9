"""Formula value types and how panel column types appear inside formulas."""

from __future__ import annotations

import enum

import polars as pl

from core.enums import ColumnType


class T(enum.StrEnum):
    number = "number"
    text = "text"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"
    blank = "blank"  # BLANK(): fits anywhere


FROM_COLUMN = {
    ColumnType.integer: T.number,
    ColumnType.number: T.number,
    ColumnType.text: T.text,
    ColumnType.json: T.text,
    ColumnType.boolean: T.boolean,
    ColumnType.date: T.date,
    ColumnType.datetime: T.datetime,
}

# A formula of type T may fill columns of these types.
FITS = {
    T.number: {ColumnType.number, ColumnType.integer, ColumnType.text},
    T.text: {ColumnType.text, ColumnType.json},
    T.boolean: {ColumnType.boolean, ColumnType.text},
    T.date: {ColumnType.date, ColumnType.datetime, ColumnType.text},
    T.datetime: {ColumnType.datetime, ColumnType.date, ColumnType.text},
    T.blank: set(ColumnType),
}

DATES = (T.date, T.datetime)


def unify(a: T, b: T) -> T | None:
    """The common type of two branches, or None when they do not mix.

    Airtable gives each row its own branch's value and shows the column as text when the
    branches differ: here a text branch makes the result text (numbers, booleans and dates
    shown as ``&`` shows them). A boolean with a number is a number (TRUE is 1), a date with a
    datetime a datetime; a number with a date does not mix."""
    if a == b or b is T.blank:
        return a
    if a is T.blank:
        return b
    pair = {a, b}
    if pair == {T.date, T.datetime}:
        return T.datetime
    if T.text in pair:
        return T.text
    if pair == {T.number, T.boolean}:
        return T.number
    return None


# How each column type is held in a Polars frame (the sync's mapping stage uses the same).
COLUMN_DTYPES: dict[ColumnType, pl.DataType] = {
    ColumnType.text: pl.String(),
    ColumnType.integer: pl.Int64(),
    ColumnType.number: pl.Float64(),
    ColumnType.boolean: pl.Boolean(),
    ColumnType.date: pl.Date(),
    ColumnType.datetime: pl.Datetime("us", "UTC"),
    ColumnType.json: pl.String(),
}


def column_type_of(dtype: pl.DataType) -> ColumnType:
    """The column type a source field of ``dtype`` maps to by default."""
    if dtype.is_integer():
        return ColumnType.integer
    if dtype.is_float() or dtype.is_decimal():
        return ColumnType.number
    if dtype == pl.Boolean:
        return ColumnType.boolean
    if dtype == pl.Date:
        return ColumnType.date
    if isinstance(dtype, pl.Datetime):
        return ColumnType.datetime
    if isinstance(dtype, pl.Struct | pl.List | pl.Array):
        return ColumnType.json
    return ColumnType.text
