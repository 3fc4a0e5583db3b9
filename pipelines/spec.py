"""What a sync needs to know about one panel, read once at the start of the sync."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.spec import SourceSpec
from core.crypto import SecretBox
from core.enums import ColumnType
from core.filter_reader import FilterError, FilterReader
from core.filters import conditions
from models import DataSource, Panel, PanelColumn, QualityRule, Tenant, View
from pipelines.partitions import partition_key, split_partition_key


class PanelNotFound(LookupError):
    """The partition names a panel that does not exist (any more)."""


@dataclass(frozen=True)
class ColumnSpec:
    id: uuid.UUID
    key: str
    name: str
    type: ColumnType
    position: int
    mapping: dict[str, Any] | None
    formula: str | None

    def maps(self, source: str) -> bool:
        return self.mapping is not None and self.mapping.get("source") in (None, source)


@dataclass(frozen=True)
class RuleSpec:
    id: uuid.UUID
    name: str
    kind: str
    column: str | None
    params: dict[str, Any]
    severity: str


@dataclass(frozen=True)
class PanelSpec:
    tenant_id: uuid.UUID
    tenant_slug: str
    panel_id: uuid.UUID
    slug: str
    name: str
    strict: bool
    sources: list[SourceSpec]
    columns: list[ColumnSpec]
    indexed_columns: list[str] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)

    @property
    def partition_key(self) -> str:
        return partition_key(self.tenant_slug, self.slug)


def _view_columns(views: list[View], types: dict[str, str]) -> list[str]:
    """Columns that saved views sort or filter on: the publish indexes them."""
    keys: list[str] = []
    for view in views:
        # A filter the columns no longer fit is not indexed: the rows API refuses that view.
        with contextlib.suppress(FilterError):
            if view.filters:
                keys += [c.column for c in conditions(FilterReader(types).read(view.filters))]
        keys += [s["column"] for s in view.sorts or [] if isinstance(s.get("column"), str)]
    return list(dict.fromkeys(keys))


def load_spec(session: Session, key: str, box: SecretBox) -> PanelSpec:
    tenant_slug, panel_slug = split_partition_key(key)
    row = session.execute(
        select(Panel, Tenant.slug)
        .join(Tenant, Tenant.id == Panel.tenant_id)
        .where(Tenant.slug == tenant_slug, Panel.slug == panel_slug)
    ).first()
    if row is None:
        raise PanelNotFound(f"no panel {key!r}")
    panel: Panel = row[0]
    sources = session.scalars(
        select(DataSource).where(DataSource.panel_id == panel.id).order_by(DataSource.name)
    ).all()
    columns = session.scalars(
        select(PanelColumn).where(PanelColumn.panel_id == panel.id).order_by(PanelColumn.position)
    ).all()
    views = list(session.scalars(select(View).where(View.panel_id == panel.id)))
    rules = session.scalars(
        select(QualityRule).where(QualityRule.panel_id == panel.id).order_by(QualityRule.name)
    ).all()
    column_keys = {c.key for c in columns}
    types = {c.key: c.type.value for c in columns}
    return PanelSpec(
        tenant_id=panel.tenant_id,
        tenant_slug=tenant_slug,
        panel_id=panel.id,
        slug=panel.slug,
        name=panel.name,
        strict=panel.strict,
        sources=[
            SourceSpec(
                id=s.id,
                name=s.name,
                kind=s.kind,
                config=dict(s.config),
                secrets=box.open(s.secret_config) if s.secret_config else {},
                state=dict(s.state or {}),
            )
            for s in sources
        ],
        columns=[
            ColumnSpec(
                id=c.id,
                key=c.key,
                name=c.name,
                type=c.type,
                position=c.position,
                mapping=dict(c.mapping) if c.mapping else None,
                formula=c.formula,
            )
            for c in columns
        ],
        indexed_columns=[k for k in _view_columns(views, types) if k in column_keys],
        rules=[
            RuleSpec(r.id, r.name, r.kind, r.column_key, dict(r.params or {}), r.severity)
            for r in rules
        ],
    )
