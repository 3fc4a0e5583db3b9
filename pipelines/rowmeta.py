"""A synced row's metadata, for the formula columns that read it: RECORD_ID(), CREATED_TIME(),
LAST_MODIFIED_TIME([{field}, ...]) (``formulas/functions/record.py``).

A row's identity (``_row_id``), the version it first appeared in (``_created``) and the one
its values last changed in (``_changed``) are decided by the publish once it has matched the
built rows with the served version (:mod:`pipelines.stage`): a new store numbers its rows, a
publish on the served version takes each matched row's identity and compares hashes. Those
columns are therefore evaluated last, on the rows the publish writes, from that identity:

- ``RECORD_ID()`` is ``_row_id`` as text;
- ``CREATED_TIME()`` and ``LAST_MODIFIED_TIME()`` are the *start* of the sync that published
  ``_created`` and ``_changed`` (``panel_versions.started_at``): known while the sync builds,
  unlike its end, and one instant for every row the sync saw first or changed;
- ``LAST_MODIFIED_TIME({a}, {b})`` is this sync's start where the row is new or ``a`` or ``b``
  differs from the served row of the same identity, else the value its column had there
  (carried forward: nothing records per-field history); a column added since, watching
  fields the served version had, starts from the served row's ``LAST_MODIFIED_TIME()``.

No circularity: these columns are left out of the row hash that decides ``_changed``, so a
column whose value follows ``_changed`` cannot make its own row changed. A row the publish
does not write (it did not change) keeps its values, which are still right: its identity and
times did not move. Only when such a column also reads the sync's instant or other rows
(NOW(), TODAY(), an aggregate, LOOKUP) could an unchanged row's value move: then the publish
rewrites every row (a new store), as a NOW() column that changes every row already makes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
import psycopg

from core.enums import ColumnType
from formulas import BatchFormulas
from formulas.ast import Call
from formulas.checker import row_local
from formulas.functions.record import CHANGED, CREATED, TIME, changed_of, fields_of
from pipelines.spec import PanelSpec
from pipelines.store import Head

OLD = "_old."  # the served row's value of a column, beside the built row (pipelines.diff)


@dataclass
class RowMetadata:
    """The formula columns of a panel that read row metadata, evaluated on identified rows."""

    spec: PanelSpec
    number: int
    formulas: BatchFormulas
    # Each set of fields LAST_MODIFIED_TIME watches -> the columns whose formula it is.
    watches: dict[tuple[str, ...], list[str]]
    times: dict[int, datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: PanelSpec, number: int, formulas: Any) -> RowMetadata | None:
        """None for a panel without such columns."""
        if not isinstance(formulas, BatchFormulas) or not formulas.row_metadata:
            return None
        watches: dict[tuple[str, ...], list[str]] = {}
        for key, checked in formulas.checked.items():
            root = checked.node
            if isinstance(root, Call) and root.name == "LAST_MODIFIED_TIME" and root.args:
                watches.setdefault(tuple(sorted(fields_of(root))), []).append(key)
        return cls(spec, number, formulas, watches)

    @property
    def columns(self) -> frozenset[str]:
        return self.formulas.row_metadata

    @property
    def volatile(self) -> bool:
        """Whether a row that did not change may still get other values: a column reading
        row metadata also reads NOW(), TODAY(), an aggregate or LOOKUP."""
        checked = self.formulas.checked
        return any(not row_local(checked[k].source) for k in self.columns)

    def carried(self, head: Head) -> dict[str, ColumnType]:
        """The served columns the publish compares or carries forward (the fields
        LAST_MODIFIED_TIME watches and its columns), those the served version has, typed alike."""
        served = {str(k): str(t) for k, t in (head.layout or {}).get("columns", [])}
        types = {c.key: c.type for c in self.spec.columns}
        wanted = [k for fields, columns in self.watches.items() for k in (*fields, *columns)]
        return {k: types[k] for k in dict.fromkeys(wanted) if served.get(k) == types[k].value}

    def prepare(self, conn: psycopg.Connection[Any], numbers: Iterable[int]) -> None:
        """Look up when the versions the written rows name started (before the rows stream:
        the connection is then busy copying them)."""
        wanted = sorted({int(n) for n in numbers} | {self.number})
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        found = conn.execute(
            "SELECT number, started_at FROM panel_versions WHERE panel_id = %s"
            " AND number = ANY(%s)",
            (self.spec.panel_id, wanted),
        ).fetchall()
        self.times = {int(n): started for n, started in found}

    def _time_of(self, column: str) -> pl.Expr:
        return pl.col(column).replace_strict(self.times, default=None, return_dtype=TIME)

    def evaluate(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` (identified rows: ``_row_id``, ``_created``, ``_changed``, and the served
        row's ``_old_*`` and ``_old.<column>`` where there is one) with the columns."""
        present = set(frame.columns)
        inputs = [
            self._time_of("_created").alias(CREATED),
            self._time_of("_changed").alias(CHANGED),
        ]
        new = pl.col("_old_id").is_null() if "_old_id" in present else pl.lit(True)
        now = pl.lit(self.times.get(self.number), TIME)
        for fields, columns in self.watches.items():
            differs = pl.lit(False)
            for key in fields:
                differs = differs | _differs(frame, key, self._type(key))
            carried = [
                _as_time(pl.col(OLD + c), frame.schema[OLD + c])
                for c in sorted(columns, key=lambda c: self._type(c) is ColumnType.date)
                if OLD + c in present
            ]
            if "_old_changed" in present:
                carried.append(self._time_of("_old_changed"))
            previous = pl.coalesce(carried) if carried else pl.lit(None, TIME)
            inputs.append(
                pl.when(new | differs).then(now).otherwise(previous).alias(changed_of(fields))
            )
        named = [e.meta.output_name() for e in inputs]
        out = self.formulas.evaluate_row_metadata(frame.with_columns(inputs))
        return out.drop(named)

    def _type(self, key: str) -> ColumnType:
        return next(c.type for c in self.spec.columns if c.key == key)


def _as_time(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return value.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
        return value.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    return value.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _differs(frame: pl.DataFrame, key: str, type_: ColumnType) -> pl.Expr:
    """Rows whose ``key`` differs from the served row's (every row, when the served version
    did not have the column). JSON is compared as values: the store gives it back as
    PostgreSQL writes it, not as the source did."""
    old = OLD + key
    if old not in frame.columns:
        return pl.lit(True)
    if type_ is ColumnType.json:
        pairs = zip(frame.get_column(key).to_list(), frame.get_column(old).to_list(), strict=True)
        return pl.lit(pl.Series([_json(a) != _json(b) for a, b in pairs], dtype=pl.Boolean))
    built, served = frame.schema[key], frame.schema[old]
    if isinstance(built, pl.Datetime) and isinstance(served, pl.Datetime):
        return _as_time(pl.col(key), built).ne_missing(_as_time(pl.col(old), served))
    return pl.col(key).ne_missing(pl.col(old).cast(built))


def _json(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
