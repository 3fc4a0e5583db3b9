"""SQLAlchemy 2 models of Panels; Alembic migrations live in ``models/migrations``."""

from core.enums import ColumnType, Role, SourceKind, TokenScope, VersionStatus
from models.base import Base
from models.events import AuditEvent, PanelEvent
from models.panels import (
    DataSource,
    Panel,
    PanelColumn,
    PanelVersion,
    QualityRule,
    View,
    ViewColumn,
)
from models.tenancy import ApiToken, Tenant, User
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

TENANT_OWNED_TABLES = (
    "users",
    "api_tokens",
    "panels",
    "data_sources",
    "columns",
    "views",
    "view_columns",
    "panel_versions",
    "panel_events",
    "audit_events",
    "quality_rules",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
)

__all__ = [
    "TENANT_OWNED_TABLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "ColumnType",
    "DataSource",
    "Panel",
    "PanelColumn",
    "PanelEvent",
    "PanelVersion",
    "QualityRule",
    "Role",
    "SourceKind",
    "Tenant",
    "TokenScope",
    "User",
    "VersionStatus",
    "View",
    "ViewColumn",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
