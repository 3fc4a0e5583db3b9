"""The notification outbox and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONDict, TenantOwned


class PanelEvent(TenantOwned, Base):
    """Outbox row written in the same transaction as the change it announces.

    ``id`` follows insert order; ``seq`` is given by the relay when it claims the committed
    event (migration 0003) and is what clients see and resume from (``last_event_id``). The
    panel id is deliberately not a foreign key: ``panel.deleted`` outlives its panel.
    """

    __tablename__ = "panel_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    panel_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[JSONDict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int | None] = mapped_column(BigInteger)


class AuditEvent(TenantOwned, Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # user | token | system | cli
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | ...
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[JSONDict | None] = mapped_column()
    after: Mapped[JSONDict | None] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
