"""Panels and what defines them: data sources, columns, views and published versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.enums import ColumnType, SourceKind, VersionStatus
from models.base import Base, JSONDict, TenantOwned, Timestamps, UUIDPrimaryKey


def _enum(cls: type[Any], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


class Panel(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    __tablename__ = "panels"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    refresh_cron: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    strict: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("panel_versions.id", use_alter=True, ondelete="SET NULL")
    )

    sources: Mapped[list[DataSource]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", passive_deletes=True
    )
    columns: Mapped[list[PanelColumn]] = relationship(
        back_populates="panel",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PanelColumn.position",
    )


class DataSource(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    __tablename__ = "data_sources"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    panel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(63))
    kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind, "source_kind"))
    config: Mapped[JSONDict] = mapped_column(default=dict)
    # Fernet token of the JSON secret config (passwords, auth headers); never returned.
    secret_config: Mapped[str | None] = mapped_column(Text)
    # Sync state kept between runs (for example the incremental cursor).
    state: Mapped[JSONDict] = mapped_column(default=dict)

    panel: Mapped[Panel] = relationship(back_populates="sources")

    @property
    def has_secrets(self) -> bool:
        return self.secret_config is not None


class PanelColumn(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    __tablename__ = "columns"
    __table_args__ = (
        UniqueConstraint("panel_id", "key"),
        CheckConstraint("(mapping IS NULL) <> (formula IS NULL)", name="mapping_xor_formula"),
    )

    panel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[ColumnType] = mapped_column(_enum(ColumnType, "column_type"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # {"source": <source name or null for every source>, "field": ..., "cast": ...}
    mapping: Mapped[JSONDict | None] = mapped_column()
    formula: Mapped[str | None] = mapped_column(Text)

    panel: Mapped[Panel] = relationship(back_populates="columns")


class View(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    __tablename__ = "views"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    panel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[JSONDict | None] = mapped_column()
    sorts: Mapped[list[Any]] = mapped_column(default=list)
    group_by: Mapped[list[Any]] = mapped_column(default=list)
    aggregates: Mapped[list[Any]] = mapped_column(default=list)
    chart: Mapped[JSONDict | None] = mapped_column()  # schemas.views.ChartSpec, or a grid

    view_columns: Mapped[list[ViewColumn]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ViewColumn.position",
        lazy="selectin",
    )


class ViewColumn(TenantOwned, Base):
    """The N:M between views and columns: which columns a view shows, where, how wide."""

    __tablename__ = "view_columns"

    view_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("views.id", ondelete="CASCADE"), primary_key=True
    )
    column_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("columns.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    visible: Mapped[bool] = mapped_column(default=True)
    width: Mapped[int | None] = mapped_column(Integer)


class PanelVersion(UUIDPrimaryKey, TenantOwned, Base):
    __tablename__ = "panel_versions"
    __table_args__ = (UniqueConstraint("panel_id", "number"),)

    panel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus, "version_status"))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    table_name: Mapped[str | None] = mapped_column(String(63))
    row_count: Mapped[int | None] = mapped_column(Integer)
    reject_count: Mapped[int | None] = mapped_column(Integer)
    schema: Mapped[list[Any]] = mapped_column(default=list)
    stats: Mapped[JSONDict] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    # Quality check results of this version (migration 0004): passed | warned | failed.
    check_status: Mapped[str | None] = mapped_column(String(16))
    checks: Mapped[list[Any] | None] = mapped_column()


class QualityRule(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    """A data-quality rule of a panel, checked with Great Expectations on every sync.

    ``error`` rules block the publish (the last good version stays served); ``warning`` rules
    publish with their results attached to the version.
    """

    __tablename__ = "quality_rules"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    panel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    column_key: Mapped[str | None] = mapped_column(String(63))
    params: Mapped[JSONDict] = mapped_column(default=dict)
    severity: Mapped[str] = mapped_column(String(16), default="error")
