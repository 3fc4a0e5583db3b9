"""Quality rules of a panel (checked by every sync) and the check results of each version."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from models import PanelColumn, PanelVersion, QualityRule
from schemas.common import FieldError, Page, article, did_you_mean, unknown_name
from schemas.quality import (
    CheckResult,
    QualityRuleCreate,
    QualityRulePublic,
    QualityRuleUpdate,
    VersionChecks,
)
from serving.api.deps import EditorDep, PagingDep, SessionDep, ViewerDep
from serving.api.repo import get_owned, scoped
from serving.api.routes.panels import load_panel
from serving.auth.principal import Principal
from serving.http.errors import ApiError, NotFound
from serving.reads.filters import unknown_column
from serving.reads.paging import paginate
from serving.writes import mutations

router = APIRouter(prefix="/panels/{panel_id}", tags=["quality"])
RANGES = {"between", "length_between", "row_count_between"}
COLUMN_TYPES = {
    "between": {"integer", "number"},
    "length_between": {"text"},
    "freshness": {"date", "datetime"},
    "matches_regex": {"text"},
}


PARAMS = {
    "not_null": (),
    "unique": (),
    "between": ("min", "max"),
    "length_between": ("min", "max"),
    "row_count_between": ("min", "max"),
    "in_set": ("values",),
    "matches_regex": ("regex",),
    "freshness": ("max_age_hours",),
}


def _bad(field: str, message: str, hint: str | None = None) -> ApiError:
    return ApiError(
        422,
        f"{field}: {message}",
        errors=[FieldError(field=field, message=message, type="value_error", hint=hint)],
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_rule(
    kind: str, column: str | None, params: dict[str, Any], types: dict[str, str]
) -> None:
    """422 naming the field when a rule cannot run on this panel."""
    if kind == "row_count_between":
        if column is not None:
            raise _bad("body.column", "row_count_between counts rows: give no column")
    elif column is None:
        raise _bad("body.column", f"{kind} needs a column")
    elif column not in types:
        raise _bad("body.column", *unknown_column(column, types))
    elif kind in COLUMN_TYPES and types[column] not in COLUMN_TYPES[kind]:
        allowed = " or ".join(sorted(COLUMN_TYPES[kind]))
        raise _bad(
            "body.column",
            f"{kind} needs {article(allowed)} {allowed} column; {column!r} is {types[column]}",
        )
    for name in params:
        if name not in PARAMS[kind]:
            takes = ", ".join(PARAMS[kind]) or "no params"
            message = unknown_name(name, (), f"param of {kind} (it takes {takes})")
            hint = did_you_mean(name, PARAMS[kind]).removeprefix("; ") or None
            raise _bad(f"body.params.{name}", f"{message}; {hint}" if hint else message, hint)
    if kind in RANGES:
        low, high = params.get("min"), params.get("max")
        if low is None and high is None:
            raise _bad("body.params", f"{kind} needs min and/or max")
        for name, value in (("min", low), ("max", high)):
            if value is not None and not _number(value):
                raise _bad(f"body.params.{name}", "must be a number")
        if low is not None and high is not None and low > high:
            raise _bad("body.params", "min is greater than max")
    elif kind == "in_set":
        values = params.get("values")
        if not isinstance(values, list) or not values:
            raise _bad("body.params.values", "in_set needs a non-empty list of values")
    elif kind == "matches_regex":
        pattern = params.get("regex")
        if not isinstance(pattern, str) or not pattern:
            raise _bad("body.params.regex", "matches_regex needs a regex")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _bad("body.params.regex", f"not a valid regular expression: {exc}") from exc
    elif kind == "freshness":
        hours: Any = params.get("max_age_hours")
        if not _number(hours) or hours <= 0:
            raise _bad("body.params.max_age_hours", "freshness needs max_age_hours > 0")


def _types(session: SessionDep, principal: Principal, panel_id: uuid.UUID) -> dict[str, str]:
    rows = session.execute(
        select(PanelColumn.key, PanelColumn.type).where(
            PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel_id
        )
    )
    return {key: kind.value for key, kind in rows}


@router.get("/quality-rules", response_model=Page[QualityRulePublic])
def list_rules(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, paging: PagingDep
) -> Page[QualityRulePublic]:
    load_panel(session, principal, panel_id)
    stmt = (
        scoped(QualityRule, principal)
        .where(QualityRule.panel_id == panel_id)
        .order_by(QualityRule.name)
    )
    return paginate(session, stmt, paging, QualityRulePublic)


@router.post(
    "/quality-rules", response_model=QualityRulePublic, status_code=status.HTTP_201_CREATED
)
def create_rule(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, rule_in: QualityRuleCreate
) -> QualityRulePublic:
    load_panel(session, principal, panel_id)
    check_rule(rule_in.kind, rule_in.column, rule_in.params, _types(session, principal, panel_id))
    rule = QualityRule(
        tenant_id=principal.tenant_id,
        panel_id=panel_id,
        name=rule_in.name,
        kind=rule_in.kind,
        column_key=rule_in.column,
        params=rule_in.params,
        severity=rule_in.severity,
    )
    return mutations.create(session, principal, rule, QualityRulePublic, object_type="quality_rule")


@router.get("/quality-rules/{rule_id}", response_model=QualityRulePublic)
def read_rule(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, rule_id: uuid.UUID
) -> QualityRulePublic:
    rule = get_owned(
        session, QualityRule, rule_id, principal, label="quality rule", panel_id=panel_id
    )
    return QualityRulePublic.model_validate(rule)


@router.patch("/quality-rules/{rule_id}", response_model=QualityRulePublic)
def update_rule(
    session: SessionDep,
    principal: EditorDep,
    panel_id: uuid.UUID,
    rule_id: uuid.UUID,
    rule_in: QualityRuleUpdate,
) -> QualityRulePublic:
    rule = get_owned(
        session, QualityRule, rule_id, principal, label="quality rule", panel_id=panel_id
    )
    changes = rule_in.model_dump(exclude_unset=True)
    if "column" in changes:
        changes["column_key"] = changes.pop("column")
    merged = {"column_key": rule.column_key, "params": rule.params, **changes}
    check_rule(
        rule.kind,
        merged["column_key"],
        merged["params"] or {},
        _types(session, principal, panel_id),
    )
    return mutations.update(
        session, principal, rule, changes, QualityRulePublic, object_type="quality_rule"
    )


@router.delete("/quality-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, rule_id: uuid.UUID
) -> Response:
    rule = get_owned(
        session, QualityRule, rule_id, principal, label="quality rule", panel_id=panel_id
    )
    mutations.delete(session, principal, rule, QualityRulePublic, object_type="quality_rule")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/checks", response_model=VersionChecks)
def read_checks(
    session: SessionDep,
    principal: ViewerDep,
    panel_id: uuid.UUID,
    version: Annotated[int | None, Query(ge=1, description="A version (failed ones too)")] = None,
) -> VersionChecks:
    """Quality results of the served version, or of version N (including a blocked one)."""
    panel = load_panel(session, principal, panel_id)
    stmt = scoped(PanelVersion, principal).where(PanelVersion.panel_id == panel_id)
    if version is not None:
        found = session.scalar(stmt.where(PanelVersion.number == version))
        if found is None:
            raise NotFound("version", version)
    elif panel.current_version_id is not None:
        found = session.scalar(stmt.where(PanelVersion.id == panel.current_version_id))
    else:
        return VersionChecks(version=None, status=None, results=[])
    assert found is not None
    return VersionChecks(
        version=found.number,
        status=found.check_status,
        results=[CheckResult.model_validate(r) for r in (found.checks or [])],
    )
