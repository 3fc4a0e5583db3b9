"""A formula checked as a save would check it, then evaluated over the first rows of the panel's
current version: the values an editor sees beside the formula as they type. Nothing is saved."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.enums import ColumnType
from core.storage import DATA_SCHEMA
from formulas import FormulaColumn, FormulaError, evaluate_columns
from formulas.ast import Call, walk
from formulas.checker import AGGREGATES
from formulas.functions.record import CHANGED, CREATED, ROW_METADATA, TIME
from formulas.plan import check_formula
from formulas.types import COLUMN_DTYPES, FROM_COLUMN, T
from models import Panel, PanelVersion
from schemas.formulas import FormulaPreview, FormulaPreviewPublic, PreviewRow
from serving.auth.principal import Principal
from serving.writes.formula_check import (
    Candidate,
    TenantLookups,
    check_panel_formulas,
    current_columns,
)

PREVIEW_KEY = "_preview"  # the key a formula previewed for a new column is checked under
NATURAL: dict[T, ColumnType] = {
    T.number: ColumnType.number,
    T.text: ColumnType.text,
    T.boolean: ColumnType.boolean,
    T.date: ColumnType.date,
    T.datetime: ColumnType.datetime,
    T.blank: ColumnType.text,
}


def preview(
    session: Session, principal: Principal, panel: Panel, body: FormulaPreview
) -> FormulaPreviewPublic:
    columns = current_columns(session, principal, panel.id)
    key = body.key or PREVIEW_KEY
    own = next((c for c in columns if c.key == key), None)
    others = [c for c in columns if c.key != key]
    name = own.name if own else key
    lookups = TenantLookups(session, principal)
    target = body.type or _natural_type(others, key, name, body.formula, lookups)
    candidate = Candidate(own.id if own else None, key, name, target, body.formula)
    # Checked exactly as saving the column would check it: the whole panel, cycles included.
    checked = check_panel_formulas(
        session, principal, [*others, candidate], saving=key, lookup=lookups
    )[key]
    reads = sorted(checked.dependencies)
    notes: list[str] = []
    if any(isinstance(n, Call) and n.name in AGGREGATES for n in walk(checked.node)):
        notes.append(
            "whole-panel functions (SUM_ALL() and the like) are computed over the previewed"
            " rows only; a sync computes them over every row"
        )
    version = session.execute(
        select(PanelVersion.number, PanelVersion.table_name, PanelVersion.schema).where(
            PanelVersion.tenant_id == principal.tenant_id,
            PanelVersion.id == panel.current_version_id,
        )
    ).first()
    if version is None:
        notes.append("the panel has no published version yet: there are no rows to evaluate")
        return FormulaPreviewPublic(
            type=target,
            formula_type=checked.type.value,
            columns=reads,
            version=None,
            rows=[],
            errors=0,
            complete=True,
            notes=notes,
        )
    stored = {c["key"]: ColumnType(c["type"]) for c in version.schema}
    missing = [k for k in reads if k not in stored]
    if missing:
        notes.append(
            f"version {version.number} has no column {', '.join(missing)} (added since):"
            " previewed as blank until the next sync"
        )
    frame = _first_rows(
        session, version.table_name, [k for k in reads if k in stored], stored, body.limit
    )
    frame, said = _row_metadata(session, panel, version.table_name, checked.node, frame)
    notes += said
    complete = frame.height <= body.limit
    frame = frame.head(body.limit)
    types = {c.key: c.type for c in others}
    for k in missing:
        frame = frame.with_columns(pl.lit(None, dtype=COLUMN_DTYPES[types[k]]).alias(k))
    out, _ = evaluate_columns(
        frame,
        [FormulaColumn(key, name, body.formula, target)],
        columns=types,
        names={c.name: c.key for c in others} | {name: key},
        lookup=lookups,
        row_errors=True,
    )
    failed = (
        out.get_column(f"__error_{key}").to_list()
        if f"__error_{key}" in out.columns
        else [False] * out.height
    )
    rows = [
        PreviewRow(
            row_id=row["_row_id"],
            inputs={k: row[k] for k in reads},
            value=row[key],
            error=bool(err),
        )
        for row, err in zip(out.iter_rows(named=True), failed, strict=True)
    ]
    return FormulaPreviewPublic(
        type=target,
        formula_type=checked.type.value,
        columns=reads,
        version=version.number,
        rows=rows,
        errors=sum(1 for r in rows if r.error),
        complete=complete,
        notes=notes,
    )


def _first_rows(
    session: Session,
    table: str,
    keys: list[str],
    types: dict[str, ColumnType],
    limit: int,
) -> pl.DataFrame:
    """The first ``limit`` + 1 rows of a version (by row id, as /rows orders them), the columns
    ``keys`` only: one row past the limit tells whether there are more."""
    columns = ", ".join(['"_row_id"', *(f'"{k}"' for k in keys)])
    # Keys come from the panel's checked columns (identifiers), quoted; the table from the
    # version record.
    rows = session.execute(
        text(
            f'SELECT {columns} FROM {DATA_SCHEMA}."{table}" ORDER BY "_row_id" LIMIT :n'  # noqa: S608
        ),
        {"n": limit + 1},
    ).all()
    schema: dict[str, Any] = {"_row_id": pl.Int64} | {k: COLUMN_DTYPES[types[k]] for k in keys}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _row_metadata(
    session: Session, panel: Panel, table: str, node: Any, frame: pl.DataFrame
) -> tuple[pl.DataFrame, list[str]]:
    """The previewed rows' metadata as a sync gives it to the formula (RECORD_ID() reads
    ``_row_id``, already there): CREATED_TIME() and LAST_MODIFIED_TIME() are when the syncs
    that published the row's ``_created`` and ``_changed`` versions started. With fields,
    LAST_MODIFIED_TIME compares the row with the version before: only a sync knows it."""
    calls = [n for n in walk(node) if isinstance(n, Call) and n.name in ROW_METADATA]
    notes = []
    if any(c.name == "LAST_MODIFIED_TIME" and c.args for c in calls):
        notes.append(
            "LAST_MODIFIED_TIME() with fields compares each row with the version before it:"
            " a sync computes it, the preview shows it blank"
        )
    if not any(c.name in ("CREATED_TIME", "LAST_MODIFIED_TIME") for c in calls):
        return frame, notes
    # The table comes from the version record; the rest is bound.
    found = session.execute(
        text(
            f'SELECT r."_row_id", c.started_at, m.started_at FROM {DATA_SCHEMA}."{table}" r'  # noqa: S608
            ' LEFT JOIN panel_versions c ON c.panel_id = :p AND c.number = r."_created"'
            ' LEFT JOIN panel_versions m ON m.panel_id = :p AND m.number = r."_changed"'
            ' WHERE r."_row_id" = ANY(:ids)'
        ),
        {"p": panel.id, "ids": frame.get_column("_row_id").to_list()},
    ).all()
    schema: dict[str, Any] = {"_row_id": pl.Int64, CREATED: TIME, CHANGED: TIME}
    times = pl.DataFrame([tuple(r) for r in found], schema=schema, orient="row")
    return frame.join(times, on="_row_id", how="left", maintain_order="left"), notes


def _natural_type(
    others: list[Candidate], key: str, name: str, formula: str, lookups: TenantLookups
) -> ColumnType:
    """The column type of the formula's own result; text when it does not check (the panel
    check that follows then answers the error)."""
    types = {c.key: FROM_COLUMN[c.type] for c in others} | {key: T.text}
    names = {c.name: c.key for c in others} | {name: key}
    try:
        checked = check_formula(
            FormulaColumn(key, name, formula, ColumnType.text),
            types=types,
            names=names,
            lookup=lookups,
        )
    except FormulaError:
        return ColumnType.text
    return NATURAL[checked.type]
