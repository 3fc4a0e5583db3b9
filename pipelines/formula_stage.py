"""The formula stage of a sync: formula columns evaluated over the whole mapped frame."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, select, text

from core.storage import DATA_SCHEMA
from formulas import BatchFormulas, FormulaColumn, evaluate_columns
from formulas.types import FROM_COLUMN, T
from models import Panel, PanelColumn, PanelVersion
from models.db import make_sessionmaker, system_session
from pipelines.spec import PanelSpec


class PostgresLookups:
    """LOOKUP() targets: the current published version of another panel of the same tenant."""

    def __init__(self, engine: Engine, spec: PanelSpec) -> None:
        self.engine, self.spec = engine, spec
        self._columns: dict[str, dict[str, T]] = {}

    def _panel(self, slug: str) -> dict[str, T]:
        if slug not in self._columns:
            with system_session(make_sessionmaker(self.engine)) as session:
                rows = session.execute(
                    select(PanelColumn.key, PanelColumn.type)
                    .join(Panel, Panel.id == PanelColumn.panel_id)
                    .where(Panel.tenant_id == self.spec.tenant_id, Panel.slug == slug)
                ).all()
            self._columns[slug] = {k: FROM_COLUMN[t] for k, t in rows}
        return self._columns[slug]

    def column_type(self, panel: str, column: str) -> T | None:
        return self._panel(panel).get(column)

    def frame(self, panel: str, key: str, result: str) -> pl.DataFrame:
        with system_session(make_sessionmaker(self.engine)) as session:
            table = session.scalar(
                select(PanelVersion.table_name)
                .join(Panel, Panel.current_version_id == PanelVersion.id)
                .where(Panel.tenant_id == self.spec.tenant_id, Panel.slug == panel)
            )
            if table is None:
                return pl.DataFrame({key: [], result: []})
            # Keys were checked against the panel's columns: identifiers, quoted anyway.
            rows = session.execute(
                text(f'SELECT "{key}", "{result}" FROM {DATA_SCHEMA}."{table}"')  # noqa: S608
            ).all()
        return pl.DataFrame([list(r) for r in rows], schema=[key, result], orient="row")


def evaluate_formulas(
    spec: PanelSpec,
    frame: pl.DataFrame,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Add every formula column to ``frame``; stats count the nulls each formula produced from
    errors (division by zero, invalid dates or regexes), which never abort a sync."""
    formula_columns = [
        FormulaColumn(key=c.key, name=c.name, formula=c.formula, type=c.type)
        for c in spec.columns
        if c.formula is not None
    ]
    if not formula_columns:
        return frame, {}
    columns = {c.key: c.type for c in spec.columns if c.formula is None}
    names = {c.name: c.key for c in spec.columns}
    lookup = PostgresLookups(engine, spec) if engine is not None else None
    return evaluate_columns(
        frame, formula_columns, columns=columns, names=names, lookup=lookup, now=now
    )


class NoFormulas:
    """A panel without formula columns: batches pass through."""

    passes = 0
    stats: dict[str, Any] = {}
    dependencies: dict[str, list[str]] = {}
    row_metadata: frozenset[str] = frozenset()

    def observe(self, batch: pl.DataFrame, pass_number: int) -> None:
        raise ValueError("a panel without formulas has no passes")

    def end_pass(self, pass_number: int) -> None:
        raise ValueError("a panel without formulas has no passes")

    def evaluate(self, batch: pl.DataFrame) -> pl.DataFrame:
        return batch


def batch_formulas(
    spec: PanelSpec, engine: Engine | None, now: datetime
) -> BatchFormulas | NoFormulas:
    """The panel's formula columns over its batches: whole-panel aggregates (``*_ALL``) are
    computed in first passes, LOOKUP() frames fetched once, NOW() one instant for the sync."""
    formula_columns = [
        FormulaColumn(key=c.key, name=c.name, formula=c.formula, type=c.type)
        for c in spec.columns
        if c.formula is not None
    ]
    if not formula_columns:
        return NoFormulas()
    return BatchFormulas(
        formula_columns,
        columns={c.key: c.type for c in spec.columns if c.formula is None},
        names={c.name: c.key for c in spec.columns},
        lookup=PostgresLookups(engine, spec) if engine is not None else None,
        now=now,
    )
