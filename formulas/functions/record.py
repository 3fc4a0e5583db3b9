"""RECORD_ID, CREATED_TIME, LAST_MODIFIED_TIME: a row's metadata in a synced panel.

Their values are not the row's fields: a sync decides them once it has matched the row with
the served version (``pipelines/rowmeta.py``) and hands them to the formulas as input
columns of the frame, which these functions read:

- ``_row_id``: the row's identity (``RECORD_ID()`` is it as text: the id the rows API gives
  in ``_meta``);
- ``_meta.created``: the start of the sync in which the row first appeared;
- ``_meta.changed``: the start of the sync in which its values last changed;
- ``_meta.changed(a,b)``: the start of the sync in which field ``a`` or ``b`` last changed.

Outside a sync (no such column in the frame) they are blank. ``LAST_MODIFIED_TIME`` with
fields takes column references only and must be its column's whole formula: its value
carries from one version to the next (see ``pipelines/rowmeta.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl

from formulas.ast import Call
from formulas.functions import register
from formulas.types import T

ROW_ID = "_row_id"
CREATED = "_meta.created"
CHANGED = "_meta.changed"
ROW_METADATA = frozenset({"RECORD_ID", "CREATED_TIME", "LAST_MODIFIED_TIME"})
TIME = pl.Datetime("us", "UTC")

# The row the reference interpreter is evaluating (its forms read the metadata from it).
ROW: ContextVar[Mapping[str, Any]] = ContextVar("formula_row")


@contextmanager
def at_row(row: Mapping[str, Any]) -> Iterator[None]:
    token = ROW.set(row)
    try:
        yield
    finally:
        ROW.reset(token)


def changed_of(fields: Iterable[str]) -> str:
    """The input column of ``LAST_MODIFIED_TIME`` over these column keys (in any order)."""
    return f"{CHANGED}({','.join(sorted(set(fields)))})"


def fields_of(call: Call) -> tuple[str, ...]:
    """The column keys a checked ``LAST_MODIFIED_TIME`` call watches (none: the whole row)."""
    fields = call.meta.get("fields", ())
    assert isinstance(fields, tuple)
    return fields


def input_of(call: Call) -> tuple[str, pl.DataType]:
    """The frame column a row-metadata call reads, and its type."""
    if call.name == "RECORD_ID":
        return ROW_ID, pl.Int64()
    if call.name == "CREATED_TIME":
        return CREATED, TIME
    fields = fields_of(call)
    return (changed_of(fields) if fields else CHANGED), TIME


def _read(call: Call) -> Any:
    return ROW.get({}).get(input_of(call)[0])


@register(
    "RECORD_ID",
    "",
    T.text,
    doc="RECORD_ID(): the row's identity as text, stable across syncs where the panel has a"
    " key (the id the rows API gives in _meta); blank outside a sync",
    example=('"row " & RECORD_ID()', ""),
)
def _record_id():
    def python(values: list[Any], types: list[T], call: Call) -> Any:
        value = _read(call)
        return None if value is None else str(int(value))

    return (lambda args, call: (pl.col(ROW_ID).cast(pl.String), None), python)


@register(
    "CREATED_TIME",
    "",
    T.datetime,
    doc="CREATED_TIME(): when the sync in which the row first appeared started (UTC); blank"
    " outside a sync",
    example=("DATETIME_DIFF(NOW(), CREATED_TIME(), 'days')", ""),
)
def _created_time():
    return (
        lambda args, call: (pl.col(CREATED).cast(TIME), None),
        lambda values, types, call: _read(call),
    )


@register(
    "LAST_MODIFIED_TIME",
    "x*",
    T.datetime,
    doc="LAST_MODIFIED_TIME([{field}, ...]): when the sync in which the row's values (or, with"
    " fields, any of those fields) last changed started (UTC); with fields, the column's whole"
    " formula; blank outside a sync",
    example=("LAST_MODIFIED_TIME({Price})", ""),
)
def _last_modified_time():
    def polars(args: list[Any], call: Call) -> tuple[pl.Expr, None]:
        name, _ = input_of(call)
        return pl.col(name).cast(TIME), None

    return (polars, lambda values, types, call: _read(call))
