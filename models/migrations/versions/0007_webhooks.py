"""Webhooks: endpoints, deliveries queued when the relay claims an event, their attempts.

Revision ID: 0007
Revises: 0006

The claim that gives an event its ``seq`` (0003) now also queues one delivery per enabled
endpoint of the event's tenant that wants its type (and its panel, if the endpoint names
panels) and existed when the event was written, in the same statement: an endpoint's deliveries follow ``seq``, the order every
WebSocket client sees, and a delivery exists exactly when its event is claimed. An insert
wakes the deliverer (``NOTIFY panels_webhooks``). The deliverer runs as the API's non-owner
role, so what spans tenants (which endpoints have a delivery due, the backlog for metrics)
goes through SECURITY DEFINER functions; every delivery itself is read and recorded in its
tenant's row-level security context.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.storage import APP_ROLE
from models.migrations.rls import secure_table, unsecure_table

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = "SET search_path = pg_catalog, public SET app.all_tenants = 'on'"
COLUMNS = "seq bigint, tenant_id uuid, panel_id uuid, type text, payload jsonb, created_at timestamptz"
CLAIMED = """
    WITH claimed AS (
        SELECT id FROM public.panel_events WHERE seq IS NULL
        ORDER BY id LIMIT p_limit FOR UPDATE
    ), numbered AS (
        SELECT id, nextval('public.panel_events_seq') AS s
        FROM (SELECT id FROM claimed ORDER BY id) ordered
    ), updated AS (
        UPDATE public.panel_events e SET seq = numbered.s FROM numbered
        WHERE e.id = numbered.id
        RETURNING e.seq, e.tenant_id, e.panel_id, e.type, e.payload, e.created_at
    )"""
QUEUE = """, queued AS (
        INSERT INTO public.webhook_deliveries (tenant_id, webhook_id, seq, event_type, panel_id)
        SELECT u.tenant_id, w.id, u.seq, u.type, u.panel_id
        FROM updated u JOIN public.webhooks w
          ON w.tenant_id = u.tenant_id AND w.enabled AND u.type = ANY(w.event_types)
         AND (w.panel_ids IS NULL OR u.panel_id = ANY(w.panel_ids))
         AND u.created_at >= w.created_at
        ORDER BY u.seq
        RETURNING 1
    )"""
FUNCTIONS = ("panels_webhook_due(integer, uuid[])", "panels_webhook_backlog()")


def _claim(queue: bool) -> None:
    op.execute(
        f"""CREATE OR REPLACE FUNCTION panels_outbox_claim(p_limit integer)
            RETURNS TABLE ({COLUMNS}) LANGUAGE sql VOLATILE SECURITY DEFINER {SETTINGS} AS $$
            {CLAIMED}{QUEUE if queue else ""}
            SELECT * FROM updated $$"""
    )


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("panel_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_webhooks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_tenant_id"), "webhooks", ["tenant_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("panel_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_deliveries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "seq", name=op.f("uq_webhook_deliveries_webhook_id_seq")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_pending", "webhook_deliveries", ["webhook_id", "seq"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_tenant_id"), "webhook_deliveries", ["tenant_id"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(
        op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"]
    )
    op.create_index(op.f("ix_webhook_attempts_tenant_id"), "webhook_attempts", ["tenant_id"])
    for table in ("webhooks", "webhook_deliveries", "webhook_attempts"):
        secure_table(table)

    _claim(queue=True)
    op.execute(
        """CREATE FUNCTION panels_webhooks_wake() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('panels_webhooks', ''); RETURN NULL; END $$"""
    )
    op.execute(
        "CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON webhook_deliveries"
        " FOR EACH STATEMENT EXECUTE FUNCTION panels_webhooks_wake()"
    )
    # Endpoints whose first pending delivery is due, soonest first, leaving out those the
    # deliverer is already working on.
    op.execute(
        f"""CREATE FUNCTION panels_webhook_due(p_limit integer, p_busy uuid[])
            RETURNS TABLE (tenant_id uuid, webhook_id uuid)
            LANGUAGE sql STABLE SECURITY DEFINER {SETTINGS} AS $$
            SELECT w.tenant_id, w.id FROM public.webhooks w
            CROSS JOIN LATERAL (
                SELECT d.next_attempt_at FROM public.webhook_deliveries d
                WHERE d.webhook_id = w.id AND d.state = 'pending' ORDER BY d.seq LIMIT 1
            ) head
            WHERE w.enabled AND head.next_attempt_at <= now() AND w.id <> ALL(p_busy)
            ORDER BY head.next_attempt_at LIMIT p_limit $$"""
    )
    op.execute(
        f"""CREATE FUNCTION panels_webhook_backlog()
            RETURNS TABLE (depth bigint, oldest_age_seconds double precision)
            LANGUAGE sql STABLE SECURITY DEFINER {SETTINGS} AS $$
            SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::double precision
            FROM public.webhook_deliveries WHERE state = 'pending' $$"""
    )
    for fn in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {fn} TO {APP_ROLE}")


def downgrade() -> None:
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    _claim(queue=False)
    op.execute("DROP TRIGGER IF EXISTS webhook_deliveries_wake ON webhook_deliveries")
    op.execute("DROP FUNCTION IF EXISTS panels_webhooks_wake()")
    for table in ("webhook_attempts", "webhook_deliveries", "webhooks"):
        unsecure_table(table)
        op.drop_table(table)
