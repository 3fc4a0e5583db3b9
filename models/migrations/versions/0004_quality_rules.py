"""Data-quality rules per panel, and check results on each version.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from models.migrations.rls import secure_table, unsecure_table

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_rules",
        sa.Column("panel_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("column_key", sa.String(length=63), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_quality_rules_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quality_rules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_rules")),
        sa.UniqueConstraint("panel_id", "name", name=op.f("uq_quality_rules_panel_id_name")),
    )
    op.create_index(op.f("ix_quality_rules_panel_id"), "quality_rules", ["panel_id"])
    op.create_index(op.f("ix_quality_rules_tenant_id"), "quality_rules", ["tenant_id"])
    secure_table("quality_rules")
    op.add_column("panel_versions", sa.Column("check_status", sa.String(length=16), nullable=True))
    op.add_column(
        "panel_versions",
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("panel_versions", "checks")
    op.drop_column("panel_versions", "check_status")
    unsecure_table("quality_rules")
    op.drop_table("quality_rules")
