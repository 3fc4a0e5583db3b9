"""The outbox vocabulary: every event type, its payload, the one outbox write and the one read.

Writers (API mutations, the admin rollback, the pipelines through the ORM or straight through
psycopg) and readers (relay, hub, metrics, sync history, CLI) name event types only through
``EventType``: a test fails on an event type spelled as a string anywhere else in the product.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from typing import Any, Final, Literal, NotRequired, TypedDict, overload

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Connection
from sqlalchemy.orm import Session

Event = dict[str, Any]  # a claimed outbox row as brokers and hubs pass it around (as_event)


class EventType(enum.StrEnum):
    panel_updated = "panel.updated"  # the panel's definition changed (panel, source, column, view)
    panel_deleted = "panel.deleted"
    sync_started = "sync.started"
    panel_materialized = "panel.materialized"  # a new version is served (a sync, a rollback)
    schema_changed = "schema.changed"  # ... and its columns differ from the previous version's
    checks_failed = "checks.failed"  # error quality rules failed: the version was not published
    sync_failed = "sync.failed"


# Payloads are TypedDicts rather than frozen dataclasses: they are the JSON objects stored in
# the outbox and sent to clients as ``data``, and some keys are present for one writer and
# absent for another (a rollback's ``rolled_back_from``, a publish failure's ``version``). A
# TypedDict types exactly that dict, absent keys included, at no cost at run time; a dataclass
# would need a conversion that could not tell "absent" from "null" without changing the JSON.


class PanelChanged(TypedDict):
    """``panel.updated`` and ``panel.deleted``: which object of the panel changed, and how."""

    panel_id: str
    object_type: str
    object_id: str
    action: str


class SyncStarted(TypedDict):
    panel_id: str
    dagster_run_id: str | None


class CheckSummary(TypedDict):
    name: str
    severity: str
    success: bool
    unexpected_count: int | None


class Materialized(TypedDict):
    """``panel.materialized``: a sync's publish (with its checks) or a rollback."""

    panel_id: str
    version: int
    dagster_run_id: str | None
    row_count: int | None
    rejects: int | None
    duration_seconds: NotRequired[float]
    check_status: NotRequired[str | None]
    checks: NotRequired[list[CheckSummary]]
    rolled_back_from: NotRequired[int | None]


class SchemaChanged(TypedDict):
    panel_id: str
    version: int
    before: list[dict[str, str]]
    after: list[dict[str, str]]


class ChecksFailed(TypedDict):
    panel_id: str
    version: int
    dagster_run_id: str | None
    error: str
    failed: list[dict[str, Any]]


class SyncFailed(TypedDict):
    """``sync.failed``; ``version`` only when the publish had begun one (or tried to)."""

    panel_id: str
    dagster_run_id: str | None
    error: str
    version: NotRequired[int | None]


Payload = PanelChanged | SyncStarted | Materialized | SchemaChanged | ChecksFailed | SyncFailed

PAYLOADS: Final[Mapping[EventType, type[Mapping[str, Any]]]] = {
    EventType.panel_updated: PanelChanged,
    EventType.panel_deleted: PanelChanged,
    EventType.sync_started: SyncStarted,
    EventType.panel_materialized: Materialized,
    EventType.schema_changed: SchemaChanged,
    EventType.checks_failed: ChecksFailed,
    EventType.sync_failed: SyncFailed,
}

# One statement for both kinds of writer: psycopg takes it as is, and SQLAlchemy hands it to
# the same driver (psycopg 3) untouched with ``exec_driver_sql``.
OUTBOX_INSERT: Final = (
    "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
    " VALUES (%(tenant_id)s, %(panel_id)s, %(type)s, %(payload)s)"
)

Writer = Session | Connection | psycopg.Connection[Any]


@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.panel_updated, EventType.panel_deleted],
    payload: PanelChanged,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.sync_started],
    payload: SyncStarted,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.panel_materialized],
    payload: Materialized,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.schema_changed],
    payload: SchemaChanged,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.checks_failed],
    payload: ChecksFailed,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
@overload
def write_event(
    writer: Writer,
    type: Literal[EventType.sync_failed],
    payload: SyncFailed,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None: ...
def write_event(
    writer: Writer,
    type: EventType,
    payload: Payload,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
) -> None:
    """Append one event to the outbox in the writer's open transaction (relayed after commit).

    ``writer`` is an ORM session, a SQLAlchemy connection or a psycopg connection; the
    overloads tie each event type to its payload.
    """
    params = {
        "tenant_id": tenant_id,
        "panel_id": panel_id,
        "type": type.value,
        "payload": Jsonb(payload),
    }
    if isinstance(writer, psycopg.Connection):
        writer.execute(OUTBOX_INSERT, params)
    else:
        conn = writer.connection() if isinstance(writer, Session) else writer
        conn.exec_driver_sql(OUTBOX_INSERT, params)


def as_event(row: Mapping[str, Any]) -> Event:
    """A claimed outbox row (it has its ``seq``) as the event relays, brokers and hubs carry."""
    return {
        "seq": row["seq"],
        "tenant_id": str(row["tenant_id"]),
        "panel_id": str(row["panel_id"]) if row["panel_id"] else None,
        "type": row["type"],
        "payload": row["payload"],
        "created_at": row["created_at"].isoformat(),
    }
