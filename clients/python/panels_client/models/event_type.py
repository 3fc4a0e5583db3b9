from enum import StrEnum


class EventType(StrEnum):
    CHECKS_FAILED = "checks.failed"
    PANEL_DELETED = "panel.deleted"
    PANEL_MATERIALIZED = "panel.materialized"
    PANEL_UPDATED = "panel.updated"
    SCHEMA_CHANGED = "schema.changed"
    SYNC_FAILED = "sync.failed"
    SYNC_STARTED = "sync.started"

    def __str__(self) -> str:
        return str(self.value)
