"""Row-level security used by the migrations.

Every tenant-owned table gets ENABLE + FORCE ROW LEVEL SECURITY and two policies:

* ``tenant_isolation`` for everyone: rows of ``current_setting('app.tenant_id', true)`` only.
  Without that setting a query sees no rows and can write none.
* ``system_all_tenants`` only for the role that ran the migrations (the owner, which the
  pipelines and the admin CLI use): every row, but only in a transaction that opted in with
  ``app.all_tenants = 'on'``. The API's non-owner role cannot use it whatever it sets.

The API runs as ``panels_app`` (created here when missing; roles are cluster-wide, so it is
never dropped). Two SECURITY DEFINER functions resolve what must be found before a tenant is
known: a tenant id from its slug (login) and an API token's tenant from the token id.
"""

from __future__ import annotations

from alembic import op

from core.storage import APP_ROLE

# The tenant-owned tables of the first migration (later migrations secure their own tables).
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
)

TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
ALL_TENANTS_EXPR = "current_setting('app.all_tenants', true) = 'on'"


def secure_table(table: str) -> None:
    """Row-level security and app-role grants for a tenant-owned table added later."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    _policies(table, "tenant_id")


def unsecure_table(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"DROP POLICY IF EXISTS system_all_tenants ON {table}")
    op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")


def _policies(table: str, key: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({key} = {TENANT_EXPR}) WITH CHECK ({key} = {TENANT_EXPR})"
    )
    op.execute(
        f"""DO $$ BEGIN EXECUTE format(
            $f$CREATE POLICY system_all_tenants ON {table} TO %I
               USING ({ALL_TENANTS_EXPR}) WITH CHECK ({ALL_TENANTS_EXPR})$f$,
            current_user); END $$"""
    )


def enable_row_level_security() -> None:
    op.execute(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN;
            END IF;
            EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
        END $$"""
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON tenants TO {APP_ROLE}")
    tables = ", ".join(TENANT_OWNED_TABLES)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    _policies("tenants", "id")
    for table in TENANT_OWNED_TABLES:
        _policies(table, "tenant_id")

    op.execute(
        """CREATE FUNCTION panels_tenant_id_by_slug(p_slug text) RETURNS uuid
            LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = pg_catalog, public SET app.all_tenants = 'on'
            AS $$ SELECT id FROM public.tenants WHERE slug = p_slug $$"""
    )
    op.execute(
        """CREATE FUNCTION panels_tenant_id_by_token(p_token uuid) RETURNS uuid
            LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = pg_catalog, public SET app.all_tenants = 'on'
            AS $$ SELECT tenant_id FROM public.api_tokens WHERE id = p_token $$"""
    )
    for fn in ("panels_tenant_id_by_slug(text)", "panels_tenant_id_by_token(uuid)"):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {fn} TO {APP_ROLE}")


def disable_row_level_security() -> None:
    op.execute("DROP FUNCTION IF EXISTS panels_tenant_id_by_slug(text)")
    op.execute("DROP FUNCTION IF EXISTS panels_tenant_id_by_token(uuid)")
    for table in ("tenants", *TENANT_OWNED_TABLES):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"DROP POLICY IF EXISTS system_all_tenants ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
