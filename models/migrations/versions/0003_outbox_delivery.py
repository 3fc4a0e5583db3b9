"""Outbox delivery: a delivery sequence, a wake-up notification, and the relay's functions.

Revision ID: 0003
Revises: 0002

``panel_events.id`` follows insert order, and transactions commit in another order, so a
client resuming "after id N" could miss a lower id committed later. The relay therefore gives
each committed event a ``seq`` when it claims it (one relay at a time, under an advisory
lock), in claim order: ``seq`` is what clients see as the event id and resume from, and every
event with a lower ``seq`` is already committed and visible. An AFTER INSERT trigger wakes the
relay at commit (``NOTIFY panels_outbox``). The relay runs as the non-owner API role, so it
claims, lists and marks events through SECURITY DEFINER functions (events of every tenant).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.storage import APP_ROLE

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = "SET search_path = pg_catalog, public SET app.all_tenants = 'on'"
COLUMNS = "seq bigint, tenant_id uuid, panel_id uuid, type text, payload jsonb, created_at timestamptz"
FUNCTIONS = (
    "panels_outbox_claim(integer)",
    "panels_outbox_pending(integer)",
    "panels_outbox_mark(bigint)",
)


def upgrade() -> None:
    op.execute("CREATE SEQUENCE panel_events_seq AS bigint")
    op.add_column("panel_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_panel_events_seq", "panel_events", ["seq"], unique=True)
    op.create_index("ix_panel_events_tenant_id_panel_id_seq", "panel_events", ["tenant_id", "panel_id", "seq"])
    op.create_index(
        "ix_panel_events_unclaimed", "panel_events", ["id"], postgresql_where=sa.text("seq IS NULL")
    )
    op.drop_index("ix_panel_events_unpublished", table_name="panel_events")
    op.create_index(
        "ix_panel_events_unpublished",
        "panel_events",
        ["seq"],
        postgresql_where=sa.text("seq IS NOT NULL AND published_at IS NULL"),
    )
    op.execute(
        """CREATE FUNCTION panels_outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('panels_outbox', ''); RETURN NULL; END $$"""
    )
    op.execute(
        "CREATE TRIGGER panel_events_wake AFTER INSERT ON panel_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION panels_outbox_wake()"
    )
    op.execute(
        f"""CREATE FUNCTION panels_outbox_claim(p_limit integer) RETURNS TABLE ({COLUMNS})
            LANGUAGE sql VOLATILE SECURITY DEFINER {SETTINGS} AS $$
            WITH claimed AS (
                SELECT id FROM public.panel_events WHERE seq IS NULL
                ORDER BY id LIMIT p_limit FOR UPDATE
            ), numbered AS (
                SELECT id, nextval('public.panel_events_seq') AS s
                FROM (SELECT id FROM claimed ORDER BY id) ordered
            )
            UPDATE public.panel_events e SET seq = numbered.s FROM numbered
            WHERE e.id = numbered.id
            RETURNING e.seq, e.tenant_id, e.panel_id, e.type, e.payload, e.created_at $$"""
    )
    op.execute(
        f"""CREATE FUNCTION panels_outbox_pending(p_limit integer) RETURNS TABLE ({COLUMNS})
            LANGUAGE sql STABLE SECURITY DEFINER {SETTINGS} AS $$
            SELECT seq, tenant_id, panel_id, type, payload, created_at FROM public.panel_events
            WHERE seq IS NOT NULL AND published_at IS NULL ORDER BY seq LIMIT p_limit $$"""
    )
    op.execute(
        f"""CREATE FUNCTION panels_outbox_mark(p_upto bigint) RETURNS void
            LANGUAGE sql VOLATILE SECURITY DEFINER {SETTINGS} AS $$
            UPDATE public.panel_events SET published_at = now()
            WHERE seq IS NOT NULL AND seq <= p_upto AND published_at IS NULL $$"""
    )
    for fn in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {fn} TO {APP_ROLE}")


def downgrade() -> None:
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP TRIGGER IF EXISTS panel_events_wake ON panel_events")
    op.execute("DROP FUNCTION IF EXISTS panels_outbox_wake()")
    op.drop_index("ix_panel_events_unpublished", table_name="panel_events")
    op.create_index(
        "ix_panel_events_unpublished",
        "panel_events",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_index("ix_panel_events_unclaimed", table_name="panel_events")
    op.drop_index("ix_panel_events_tenant_id_panel_id_seq", table_name="panel_events")
    op.drop_index("ix_panel_events_seq", table_name="panel_events")
    op.drop_column("panel_events", "seq")
    op.execute("DROP SEQUENCE IF EXISTS panel_events_seq")
