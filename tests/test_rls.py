"""Row-level security: the database itself keeps tenants apart, whatever the app forgets."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from core.storage import APP_ROLE
from models import TENANT_OWNED_TABLES
from models.db import make_engine, make_sessionmaker, set_tenant, tenant_session
from tests.builders import make_column, make_panel


@pytest.fixture
def app_sessions(database_url: str):
    engine = make_engine(database_url, as_app_role=True)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_the_api_runs_as_the_non_owner_role(app_sessions) -> None:
    with app_sessions() as session:
        assert session.scalar(text("SELECT current_user")) == APP_ROLE
        owner = session.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'panels'"))
        assert owner != APP_ROLE


def test_every_tenant_owned_table_forces_rls(app_sessions) -> None:
    with app_sessions() as session:
        rows = session.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(:names) AND relnamespace = 'public'::regnamespace"
            ),
            {"names": [*TENANT_OWNED_TABLES, "tenants"]},
        ).all()
    assert len(rows) == len(TENANT_OWNED_TABLES) + 1
    assert all(enabled and forced for _, enabled, forced in rows), rows


def test_a_query_without_tenant_context_sees_no_rows(client, tenant, app_sessions) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"])
    with tenant_session(app_sessions, None) as session:
        for table in (*TENANT_OWNED_TABLES, "tenants"):
            assert session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
    with tenant_session(app_sessions, tenant.id) as session:
        assert session.scalar(text("SELECT count(*) FROM panels")) == 1
        assert session.scalar(text("SELECT count(*) FROM columns")) == 1
        assert session.scalar(text("SELECT count(*) FROM tenants")) == 1


def test_tenant_context_shows_only_that_tenant(client, tenant, other_tenant, app_sessions) -> None:
    mine = make_panel(client, tenant.editor)
    make_panel(client, other_tenant.editor)
    with tenant_session(app_sessions, tenant.id) as session:
        ids = session.scalars(text("SELECT id FROM panels")).all()
    assert [str(i) for i in ids] == [mine["id"]]


def test_writing_into_another_tenant_is_refused(tenant, other_tenant, app_sessions) -> None:
    with (
        tenant_session(app_sessions, tenant.id) as session,
        pytest.raises(ProgrammingError, match="row-level security"),
    ):
        session.execute(
            text(
                "INSERT INTO panels (id, tenant_id, slug, name, description, timezone, strict)"
                " VALUES (:id, :t, 'x', 'x', '', 'UTC', false)"
            ),
            {"id": uuid.uuid4(), "t": other_tenant.id},
        )


def test_the_app_role_cannot_opt_into_all_tenants(client, tenant, app_sessions) -> None:
    make_panel(client, tenant.editor)
    with app_sessions() as session:
        session.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        assert session.scalar(text("SELECT count(*) FROM panels")) == 0


def test_tenant_context_is_transaction_local(client, tenant, app_sessions) -> None:
    make_panel(client, tenant.editor)
    with app_sessions() as session:
        set_tenant(session, tenant.id)
        assert session.scalar(text("SELECT count(*) FROM panels")) == 1
        session.commit()
        set_tenant(session, None)
        assert session.scalar(text("SELECT count(*) FROM panels")) == 0
