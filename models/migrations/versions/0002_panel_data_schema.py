"""The panel_data schema: one table per published panel version (and its rejects).

Revision ID: 0002
Revises: 0001

These tables carry no tenant column: the API reaches a table only through the tenant-scoped
panel_versions row that names it, so row-level security on panel_versions guards them too.
The API role may read them; only the owner (the pipelines) creates and drops them.
"""

from collections.abc import Sequence

from alembic import op

from core.storage import APP_ROLE

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS panel_data")
    op.execute(f"GRANT USAGE ON SCHEMA panel_data TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA panel_data GRANT SELECT ON TABLES TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA panel_data REVOKE SELECT ON TABLES FROM {APP_ROLE}"
    )
    op.execute("DROP SCHEMA IF EXISTS panel_data CASCADE")
