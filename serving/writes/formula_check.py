"""Formula columns are checked when any column of their panel changes (422 before saving)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.enums import ColumnType
from core.storage import DATA_SCHEMA
from formulas import ColumnFormulaError, FormulaColumn, FormulaCycleError, validate_columns
from formulas.checker import Checked
from formulas.types import COLUMN_DTYPES, FROM_COLUMN, T
from models import Panel, PanelColumn, PanelVersion
from schemas.common import FieldError
from serving.auth.principal import Principal
from serving.http.errors import ApiError


@dataclass
class Candidate:
    """A column as it would be after the change."""

    id: uuid.UUID | None
    key: str
    name: str
    type: ColumnType
    formula: str | None


class TenantLookups:
    """LOOKUP() targets: other panels of the caller's tenant, by slug."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session, self.principal = session, principal
        self._cache: dict[str, dict[str, T]] = {}

    def frame(self, panel: str, key: str, result: str) -> pl.DataFrame:
        """The key and result columns of the panel's current version (LOOKUP in a preview)."""
        version = self.session.execute(
            select(PanelVersion.table_name, PanelVersion.schema)
            .join(Panel, Panel.current_version_id == PanelVersion.id)
            .where(Panel.tenant_id == self.principal.tenant_id, Panel.slug == panel)
        ).first()
        types = {c["key"]: c["type"] for c in version.schema} if version else {}
        if version is None or key not in types or result not in types:
            return pl.DataFrame({key: [], result: []})
        # The keys were checked against the panel's columns (identifiers), and are quoted.
        rows = self.session.execute(
            text(f'SELECT "{key}", "{result}" FROM {DATA_SCHEMA}."{version.table_name}"')  # noqa: S608
        ).all()
        schema = {c: COLUMN_DTYPES[ColumnType(types[c])] for c in dict.fromkeys((key, result))}
        return pl.DataFrame([list(r)[: len(schema)] for r in rows], schema=schema, orient="row")

    def column_type(self, panel: str, column: str) -> T | None:
        if panel not in self._cache:
            rows = self.session.execute(
                select(PanelColumn.key, PanelColumn.type)
                .join(Panel, Panel.id == PanelColumn.panel_id)
                .where(Panel.tenant_id == self.principal.tenant_id, Panel.slug == panel)
            ).all()
            self._cache[panel] = {k: FROM_COLUMN[t] for k, t in rows}
        return self._cache[panel].get(column)


def current_columns(session: Session, principal: Principal, panel_id: uuid.UUID) -> list[Candidate]:
    rows = session.scalars(
        select(PanelColumn).where(
            PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel_id
        )
    )
    return [Candidate(c.id, c.key, c.name, c.type, c.formula) for c in rows]


def check_panel_formulas(
    session: Session,
    principal: Principal,
    columns: list[Candidate],
    *,
    saving: str | None,
    field_prefix: str = "body",
    lookup: TenantLookups | None = None,
) -> dict[str, Checked]:
    """Raise a 422 naming the formula error; ``saving`` is the key of the column being saved.
    Answers each formula column checked."""
    formulas = [
        FormulaColumn(c.key, c.name, c.formula, c.type) for c in columns if c.formula is not None
    ]
    if not formulas:
        return {}
    plain = {c.key: c.type for c in columns if c.formula is None}
    names = {c.name: c.key for c in columns}
    try:
        return validate_columns(
            formulas,
            columns=plain,
            names=names,
            lookup=lookup or TenantLookups(session, principal),
        )
    except ColumnFormulaError as exc:
        raise _as_api_error(exc, saving, field_prefix) from exc


def _as_api_error(exc: ColumnFormulaError, saving: str | None, prefix: str) -> ApiError:
    error = exc.error
    own = exc.key == saving
    if isinstance(error, FormulaCycleError):
        message = str(error)
        detail: dict[str, Any] = {"type": "formula_cycle"}
    else:
        message = (
            error.message
            if own
            else f"the formula of column {exc.key!r} would break: {error.message}"
        )
        detail = {
            "type": "formula_error",
            "position": error.position,
            "line": error.line,
            "column": error.column,
            "hint": error.hint,
        }
    field = f"{prefix}.formula" if own else prefix
    text = f"{field}: {message}" + (
        f" (line {detail['line']}, column {detail['column']})" if "line" in detail else ""
    )
    if detail.get("hint"):
        text += f". {detail['hint']}"
    return ApiError(422, text, errors=[FieldError(field=field, message=message, **detail)])
