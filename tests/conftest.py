"""Real services only: a fresh Postgres database per test run, dropped at the end.

Server choice: PANELS_TEST_DATABASE_URL, else PostgreSQL on 127.0.0.1:5432 when reachable,
else an embedded PostgreSQL started for this run. Redis likewise (PANELS_TEST_REDIS_URL, else
127.0.0.1:6379); in CI (CI=true) a missing Redis fails the tests that need it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from core.enums import Role
from core.settings import Settings
from core.storage import tenant_files
from models.migrate import upgrade
from serving.admin import tenants as admin
from serving.admin.demo import dagster_storage_url
from serving.admin.embedded import postgres_server
from serving.api.app import create_app
from serving.auth import security
from tests.live import dagster_webserver

IN_CI = os.environ.get("CI", "").lower() == "true"

# CI replays the same generated examples every run (a red CI must be reproducible); local runs
# explore new ones each time.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a server's ``postgres`` database, on which the run creates its own databases."""
    with (
        tempfile.TemporaryDirectory(prefix="panels-test-pg-") as tmp,
        postgres_server(os.environ.get("PANELS_TEST_DATABASE_URL"), Path(tmp)) as url,
    ):
        yield url


def _database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fresh_database(pg_server: str) -> Iterator[object]:
    """A factory of empty databases that are dropped when the run ends."""
    created: list[str] = []

    def make() -> str:
        name = f"panels_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        url = _database_url(pg_server, name)
        admin.ensure_database(url)
        created.append(name)
        return url

    yield make
    for name in created:
        drop_database(pg_server, name)


@pytest.fixture(scope="session")
def database_url(fresh_database: object) -> str:
    url: str = fresh_database()  # type: ignore[operator]
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("state")
    return Settings(
        environment="test",
        database_url=database_url,
        state_dir=state,
        data_root=state / "data",
        dagster_home=state / "dagster_home",
        dagster_url="http://127.0.0.1:9",  # no webserver unless a test starts one
        log_level="WARNING",
        # The in-process app does not relay events; servers started by the real-time tests do
        # (a relay here would publish their events to another broker).
        events_relay=False,
        # As the syncs' settings (sync_settings): the HTTP-source tests serve on loopback.
        source_allowlist=["127.0.0.1"],
        # Webhook tests post to receivers on loopback, from deliverers they start themselves.
        webhook_allowlist=["127.0.0.1"],
        webhook_delivery=False,
    )


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    app_client.headers.clear()
    return app_client


@dataclass
class TenantFixture:
    """A tenant with one account per role, and a header set for each."""

    id: uuid.UUID
    slug: str
    users: dict[Role, uuid.UUID] = field(default_factory=dict)
    emails: dict[Role, str] = field(default_factory=dict)
    headers: dict[Role, dict[str, str]] = field(default_factory=dict)
    password: str = "correct horse battery staple"

    @property
    def admin(self) -> dict[str, str]:
        return self.headers[Role.admin]

    @property
    def editor(self) -> dict[str, str]:
        return self.headers[Role.editor]

    @property
    def viewer(self) -> dict[str, str]:
        return self.headers[Role.viewer]


@pytest.fixture(scope="session")
def make_tenant(settings: Settings) -> object:
    def make(slug: str | None = None) -> TenantFixture:
        slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        with admin.owner_session(settings) as session:
            tenant = admin.create_tenant(session, slug=slug, name=f"Tenant {slug}")
            out = TenantFixture(id=tenant.id, slug=slug)
            for role in Role:
                email = f"{role.value}@{slug}.example.com"
                user, _ = admin.create_user(
                    session, tenant=tenant, email=email, role=role, password=out.password
                )
                token, _ = security.issue_jwt(
                    settings, user_id=user.id, tenant_id=tenant.id, role=role
                )
                out.users[role] = user.id
                out.emails[role] = email
                out.headers[role] = {"Authorization": f"Bearer {token}"}
        return out

    return make


@pytest.fixture
def tenant(make_tenant: object) -> TenantFixture:
    return make_tenant()  # type: ignore[operator,no-any-return]


@pytest.fixture
def other_tenant(make_tenant: object) -> TenantFixture:
    return make_tenant()  # type: ignore[operator,no-any-return]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis: PANELS_TEST_REDIS_URL, else 127.0.0.1:6379 (must be up in CI)."""
    import redis

    url = os.environ.get("PANELS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI and is not reachable at {url}: {exc}")
        pytest.skip(f"no Redis at {url}")
    return url


@pytest.fixture(scope="session")
def dagster_instance(fresh_database):
    """A real Dagster instance on Postgres storage (dagster-postgres), in a temporary home."""
    import dagster as dg

    from serving.admin.demo import dagster_storage_url

    url = dagster_storage_url(fresh_database())
    with dg.instance_for_test(
        overrides={"storage": {"postgres": {"postgres_url": url}}}
    ) as instance:
        yield instance


@pytest.fixture
def sync_settings(tmp_path, settings):
    from pipelines.resources import SyncSettings

    # The HTTP-source tests serve their APIs on loopback, which the SSRF guard refuses.
    # Batches of 3 rows: every sync of a test streams its rows over several batches, so each
    # fixture proves the streamed build equals the whole table (rejects, checks, formulas).
    return SyncSettings(
        state_dir=str(tmp_path / "state"),
        data_root=str(tmp_path / "data"),
        source_allowlist="127.0.0.1",
        batch_rows=3,
        snapshot_root=str(settings.snapshots),  # where the API's DuckDB reads them
    )


@pytest.fixture
def files(sync_settings, tenant) -> Path:
    """The tenant's files folder (``<data root>/<tenant slug>``): its file sources read there."""
    path = tenant_files(Path(sync_settings.data_root), tenant.slug)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def kit(client, tenant, database_url, dagster_instance, sync_settings):
    from tests.pipeline_fixtures import PanelKit

    def make(**panel):
        return PanelKit(client, tenant, database_url, dagster_instance, sync_settings, **panel)

    return make


@pytest.fixture(scope="session")
def webserver(database_url, fresh_database, tmp_path_factory):
    """dagster-webserver over the pipelines code location, runs launched at once (no daemon).

    One per test run (the sync API and web page tests share it): it takes ~20 s to start.
    """
    root = tmp_path_factory.mktemp("webserver")
    storage = dagster_storage_url(fresh_database())
    with dagster_webserver(root, storage, database_url) as ws:
        yield ws
