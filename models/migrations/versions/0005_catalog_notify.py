"""Catalog change notifications: what the API's in-process read cache listens to.

Revision ID: 0005
Revises: 0004

Every committed change to a table the read routes answer from (tenants, users, panels, their
columns, views and view columns, and panel versions) sends ``NOTIFY panels_catalog`` with the
tenant's id as payload, at commit, whoever wrote it (the API, a Dagster run, a psql session).
Postgres folds identical notifications of one transaction into one. The API drops the tenant's
cached answers when one arrives (``serving/memory/catalog.py``).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("users", "panels", "columns", "views", "view_columns", "panel_versions")


def upgrade() -> None:
    op.execute(
        """CREATE FUNCTION panels_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'tenants' THEN
                    PERFORM pg_notify('panels_catalog', COALESCE(NEW.id, OLD.id)::text);
                ELSIF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('panels_catalog', OLD.tenant_id::text);
                ELSE
                    PERFORM pg_notify('panels_catalog', NEW.tenant_id::text);
                    IF TG_OP = 'UPDATE' AND OLD.tenant_id IS DISTINCT FROM NEW.tenant_id THEN
                        PERFORM pg_notify('panels_catalog', OLD.tenant_id::text);
                    END IF;
                END IF;
                RETURN NULL;
            END $$"""
    )
    # TRUNCATE has no rows to name a tenant by: everyone's cached answers go.
    op.execute(
        """CREATE FUNCTION panels_catalog_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('panels_catalog', '*'); RETURN NULL; END $$"""
    )
    for table in ("tenants", *TABLES):
        op.execute(
            f"CREATE TRIGGER {table}_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION panels_catalog_changed()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_catalog_truncated AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION panels_catalog_truncated()"
        )


def downgrade() -> None:
    for table in ("tenants", *TABLES):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_changed ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_truncated ON {table}")
    op.execute("DROP FUNCTION IF EXISTS panels_catalog_changed()")
    op.execute("DROP FUNCTION IF EXISTS panels_catalog_truncated()")
