"""The typed clients: generated files match the API's OpenAPI document (a drift check that can
fail), the Python client and its hand-written layer against a live API, and the event
vocabulary the client repeats equals the API's.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_type_hints

import httpx
import psycopg
import pytest
from panels_client import AuthenticatedClient, Client
from panels_client import events as client_events
from panels_client.api.auth import issue_token, me
from panels_client.api.panels import list_panels, update_panel
from panels_client.api.webhooks import create_webhook, list_deliveries
from panels_client.events import (
    PanelMaterializedEvent,
    PanelUpdatedEvent,
    SyncStartedEvent,
    UnknownEvent,
    parse_event,
)
from panels_client.export import chunks, export_to
from panels_client.models import (
    ColumnMapping,
    Me,
    PageDeliveryPublic,
    PagePanelPublic,
    PanelPublic,
    PanelUpdate,
    Problem,
    TokenRequest,
    TokenResponse,
    WebhookCreate,
    WebhookCreated,
)
from panels_client.models import EventType as ClientEventType
from panels_client.paging import pages, rows
from panels_client.problems import ApiError
from panels_client.webhooks import verify
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from clients.generate import DOCUMENT, HAND_WRITTEN, PACKAGE, TYPESCRIPT
from core.enums import Role
from core.events import PAYLOADS, EventType, as_event
from core.settings import PROJECT_ROOT
from models.db import libpq_url
from serving.realtime.protocol import EventMessage, encode
from tests.live import ApiServer, api_server
from tests.pipeline_fixtures import write
from tests.receiver import receiver

API = "/api/v1"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CSV = "id,carrier,delay\n" + "".join(
    f"{i},{['AA', 'UA', 'DL', ''][i % 4]},{'' if i % 7 == 0 else (i * 5) % 13}\n"
    for i in range(1, 61)
)
LATE = {
    "and": [
        {"column": "delay", "op": "gt", "value": 4},
        {"column": "carrier", "op": "is_not_empty"},
    ]
}


def _generate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clients.generate", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


# --- the drift check -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_committed_clients_are_what_the_api_document_generates() -> None:
    done = _generate("--check")
    assert done.returncode == 0, done.stderr
    assert "match" in done.stdout


@pytest.mark.slow
def test_the_check_names_each_drifted_file_and_a_regeneration_fixes_it_keeping_hand_written(
    tmp_path: Path,
) -> None:
    for relative in (DOCUMENT, TYPESCRIPT):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / relative, tmp_path / relative)
    shutil.copytree(
        PROJECT_ROOT / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    changed = tmp_path / PACKAGE / "models" / "rows_page.py"
    text = changed.read_text()
    changed.write_text(text.replace("next_cursor: None | str | Unset = UNSET", "next_cursor: str"))
    schema = tmp_path / TYPESCRIPT
    schema.write_text(schema.read_text().replace("next_cursor?: string | null;", "", 1))
    stray = tmp_path / PACKAGE / "api" / "rows" / "read_rows_old.py"
    stray.write_text("def sync() -> None: ...\n")
    (tmp_path / PACKAGE / "client.py").unlink()
    hand_written = {name: (tmp_path / PACKAGE / name).read_bytes() for name in sorted(HAND_WRITTEN)}

    failed = _generate("--check", "--root", str(tmp_path))
    assert failed.returncode == 1
    report = failed.stderr
    assert "4 generated file(s) differ" in report, report
    assert f"{PACKAGE}/models/rows_page.py: differs" in report
    assert (
        "-    next_cursor: str" in report
        and "+    next_cursor: None | str | Unset = UNSET" in report
    )
    assert f"{TYPESCRIPT}: differs" in report
    assert f"{PACKAGE}/api/rows/read_rows_old.py: not generated any more" in report
    assert f"{PACKAGE}/client.py: missing" in report
    assert not any(name in report for name in HAND_WRITTEN - {"py.typed"})

    assert _generate("--root", str(tmp_path)).returncode == 0
    assert changed.read_text() == text
    assert not stray.exists()
    assert (tmp_path / PACKAGE / "client.py").read_bytes() == (
        PROJECT_ROOT / PACKAGE / "client.py"
    ).read_bytes()
    assert {n: (tmp_path / PACKAGE / n).read_bytes() for n in sorted(HAND_WRITTEN)} == hand_written


def test_a_column_mapping_with_a_cast_reads_back() -> None:
    """The generator's template would have shadowed typing.cast with the property `cast`."""
    mapping = ColumnMapping.from_dict({"field": "day", "cast": "%d/%m/%Y", "source": None})
    assert (mapping.field, mapping.cast, mapping.source) == ("day", "%d/%m/%Y", None)
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping


# --- the event vocabulary --------------------------------------------------------------------


def _shape(payload: Any) -> dict[str, str]:
    """A payload TypedDict's keys and types (NotRequired[...] kept), without module names."""
    hints = get_type_hints(payload, include_extras=True)
    return {key: re.sub(r"[\w.]+\.(\w+)", r"\1", str(hint)) for key, hint in hints.items()}


def test_the_client_repeats_the_api_event_vocabulary_exactly() -> None:
    assert {t.name: t.value for t in client_events.EventType} == {
        t.name: t.value for t in EventType
    }
    for kind, payload in PAYLOADS.items():
        mine = client_events.PAYLOADS[client_events.EventType(kind.value)]
        assert mine.__name__ == payload.__name__
        assert _shape(mine) == _shape(payload), kind
    assert _shape(client_events.CheckSummary) == _shape(
        get_type_hints(PAYLOADS[EventType.panel_materialized])["checks"].__args__[0]
    )
    # parse_event reads the optional keys from the class: they must be known at run time.
    assert client_events.Materialized.__optional_keys__ == {
        "duration_seconds",
        "check_status",
        "checks",
        "rolled_back_from",
    }


def _message(kind: EventType, data: dict[str, Any], views: list[str] | None = None) -> str:
    """An event message as the server encodes it, for the WebSocket and webhooks alike."""
    row = {
        "seq": 42,
        "tenant_id": uuid.uuid4(),
        "panel_id": uuid.UUID(data["panel_id"]),
        "type": kind.value,
        "payload": data,
        "created_at": datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
    }
    return encode(EventMessage.of(as_event(row), views))


def test_every_event_type_the_server_encodes_parses_to_its_class() -> None:
    panel = str(uuid.uuid4())
    samples: dict[EventType, dict[str, Any]] = {
        EventType.panel_updated: {
            "panel_id": panel,
            "object_type": "column",
            "object_id": panel,
            "action": "updated",
        },
        EventType.panel_deleted: {
            "panel_id": panel,
            "object_type": "panel",
            "object_id": panel,
            "action": "deleted",
        },
        EventType.sync_started: {"panel_id": panel, "dagster_run_id": "r1"},
        EventType.panel_materialized: {
            "panel_id": panel,
            "version": 3,
            "dagster_run_id": "r1",
            "row_count": 10,
            "rejects": 0,
            "checks": [{"name": "n", "severity": "error", "success": True, "unexpected_count": 0}],
        },
        EventType.schema_changed: {
            "panel_id": panel,
            "version": 3,
            "before": [{"key": "a", "type": "text"}],
            "after": [],
        },
        EventType.checks_failed: {
            "panel_id": panel,
            "version": 3,
            "dagster_run_id": None,
            "error": "1 rule failed",
            "failed": [{"name": "n"}],
        },
        EventType.sync_failed: {"panel_id": panel, "dagster_run_id": "r1", "error": "boom"},
    }
    assert set(samples) == set(EventType)
    for kind, data in samples.items():
        event = parse_event(_message(kind, data, ["v2", "v1"]))
        assert event.type == client_events.EventType(kind.value)
        assert type(event).__name__.removesuffix("Event") == "".join(
            part.title() for part in re.split(r"[._]", kind.value)
        )
        assert (event.id, event.panel_id, event.data) == (42, panel, data)
        assert event.at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
        assert event.view_ids == ("v1", "v2")


def test_an_unknown_event_type_is_kept_and_anything_else_refused() -> None:
    message = {"type": "event", "id": 7, "event": "panel.renamed", "panel_id": None}
    event = parse_event(json.dumps({**message, "data": {"x": 1}, "at": "2024-05-01T00:00:00"}))
    assert isinstance(event, UnknownEvent)
    assert (event.event, event.data, event.view_ids) == ("panel.renamed", {"x": 1}, ())
    with pytest.raises(ValueError, match="not an event message"):
        parse_event('{"type": "subscribed", "panel_id": "p", "view_id": null}')
    with pytest.raises(ValueError, match="lacks version"):
        parse_event(
            {**message, "event": "panel.materialized", "at": "2024-05-01T00:00:00",
             "data": {"panel_id": "p", "dagster_run_id": None, "row_count": 1, "rejects": 0}}
        )  # fmt: skip


# --- against a live API ----------------------------------------------------------------------


@pytest.fixture
def panel(kit, files) -> Any:
    """A panel with 60 rows published (version 1), synced in process."""
    write(files / "clients.csv", CSV)
    k = kit()
    k.source(name="r", kind="file", config={"path": "clients.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    assert k.sync().success
    return k


@pytest.fixture
def server(database_url: str, settings: Any) -> Iterator[ApiServer]:
    # The same snapshots as the in-process sync wrote: exports read them with DuckDB.
    with api_server(
        database_url,
        PANELS_SNAPSHOT_ROOT=str(settings.snapshots),
        PANELS_WEBHOOK_ALLOWLIST="127.0.0.1",  # the receiver of the webhook test
    ) as s:
        yield s


def _signed(body: bytes, *, at: datetime | None = None, secret: str = SECRET) -> dict[str, str]:
    """Headers as a Standard Webhooks sender makes them."""
    msg_id, at = f"msg_{uuid.uuid4().hex}", at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


@pytest.fixture
def token(panel, server) -> str:
    """A viewer's JWT, from signing in through the generated client."""
    tenant = panel.tenant
    signing_in = TokenRequest(
        email=tenant.emails[Role.viewer], password=tenant.password, tenant=tenant.slug
    )
    with Client(base_url=server.http) as anonymous:
        answer = issue_token.sync(client=anonymous, body=signing_in)
    assert isinstance(answer, TokenResponse), answer
    return answer.access_token


@pytest.fixture
def api(server, token) -> Iterator[AuthenticatedClient]:  # the generated client, signed in
    with AuthenticatedClient(base_url=server.http, token=token) as signed_in:
        yield signed_in


@pytest.mark.slow
def test_the_python_client_against_a_live_api(panel, server, token, api, tmp_path) -> None:
    tenant, panel_id, client = panel.tenant, panel.panel["id"], api
    who = me.sync(client=client)
    assert isinstance(who, Me) and (who.tenant_slug, who.role.value) == (tenant.slug, "viewer")

    listed = list_panels.sync(client=client, limit=100)
    assert isinstance(listed, PagePanelPublic)
    assert [(p.slug, str(p.id)) for p in listed.data] == [(panel.panel["slug"], panel_id)]

    # Every page through the cursor, against one direct read of the whole answer.
    direct = httpx.get(
        f"{server.http}{API}/panels/{panel_id}/rows",
        params={"filter": json.dumps(LATE), "sort": "-delay,id", "limit": 1000},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert 10 < direct["total"] < 60
    read = list(pages(client, panel_id, filter_=LATE, sort=["-delay", "id"], page_size=4))
    assert len(read) == -(-direct["total"] // 4)
    assert all(isinstance(p.next_cursor, str) for p in read[:-1])
    assert (
        list(rows(client, panel_id, filter_=LATE, sort="-delay,id", page_size=4)) == direct["data"]
    )
    assert len(list(rows(client, panel.panel["slug"], page_size=7))) == 60  # a slug does too
    with pytest.raises(ApiError) as refused:
        list(rows(client, panel_id, filter_={"column": "nope", "op": "is", "value": 1}))
    assert refused.value.status == 422 and refused.value.problem is not None
    assert "nope" in refused.value.problem.detail

    # The export, streamed: as chunks, and into a file.
    streamed = b"".join(chunks(client, panel_id, format_="ndjson", filter_=LATE, sort="-delay,id"))
    assert [json.loads(line) for line in streamed.splitlines()] == direct["data"]
    exported = export_to(client, panel_id, tmp_path / "all.csv")
    csv = (tmp_path / "all.csv").read_bytes()
    assert csv.splitlines()[0] == b"id,carrier,delay" and len(csv.splitlines()) == 61
    assert (exported.bytes, exported.version) == (len(csv), 1)
    assert exported.filename == f"{panel.panel['slug']}-v1.csv"
    assert exported.media_type.startswith("text/csv")
    with pytest.raises(ApiError) as missing:
        list(chunks(client, uuid.uuid4()))
    assert missing.value.status == 404

    # Live events over the WebSocket: the sync's, replayed, then a change made now.
    with AuthenticatedClient(
        base_url=server.http, token=tenant.editor["Authorization"][7:]
    ) as editor:
        seen = asyncio.run(_events(server, token, panel_id, editor))
    kinds = [type(e) for e in seen]
    assert kinds.index(SyncStartedEvent) < kinds.index(PanelMaterializedEvent)
    assert [e.id for e in seen] == sorted({e.id for e in seen}), "in order, each once"
    materialized = next(e for e in seen if isinstance(e, PanelMaterializedEvent))
    assert (materialized.data["version"], materialized.data["row_count"]) == (1, 60)
    last = seen[-1]
    assert isinstance(last, PanelUpdatedEvent)
    assert (last.data["object_type"], last.data["object_id"]) == ("panel", panel_id)

    # A webhook body is that same event message, signed: verified, it is the typed event.
    body = _outbox_message(panel.database_url, materialized.id).encode()
    assert verify(body, _signed(body), SECRET) == materialized
    upper = {k.upper(): v for k, v in _signed(body).items()}  # header names in any case
    assert verify(body, upper, SECRET) == materialized
    with pytest.raises(WebhookVerificationError):
        verify(body.replace(b'"version":1', b'"version":2'), _signed(body), SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(body, _signed(body, secret="whsec_" + "QUJD" * 8), SECRET)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(body, _signed(body, at=datetime.now(UTC) - timedelta(minutes=10)), SECRET)
    with pytest.raises(WebhookVerificationError, match="Missing"):
        verify(body, {}, SECRET)

    # A real webhook: an endpoint made through the client, a change, the delivery verified.
    with (
        receiver() as hooked,
        AuthenticatedClient(base_url=server.http, token=tenant.admin["Authorization"][7:]) as admin,
    ):
        endpoint = create_webhook.sync(
            client=admin,
            body=WebhookCreate(
                url=hooked.url, event_types=[ClientEventType.PANEL_UPDATED], panels=[panel_id]
            ),
        )
        assert isinstance(endpoint, WebhookCreated), endpoint
        changed = update_panel.sync(panel_id, client=admin, body=PanelUpdate(name="Hooked"))
        assert isinstance(changed, PanelPublic)
        (delivered,) = hooked.wait_for(1)
        event = verify(delivered.body, delivered.headers, endpoint.secret)
        assert isinstance(event, PanelUpdatedEvent)
        assert (event.panel_id, event.data["object_type"]) == (panel_id, "panel")
        assert delivered.headers["webhook-id"] == str(event.id)
        log = list_deliveries.sync(endpoint.id, client=admin)
        assert isinstance(log, PageDeliveryPublic)
        assert [(d.event_id, d.state.value) for d in log.data] == [(event.id, "delivered")]


async def _events(
    server: ApiServer, token: str, panel_id: str, editor: AuthenticatedClient
) -> list[client_events.Event]:
    """Every event of the panel from the first, until the panel.updated this causes."""
    seen: list[client_events.Event] = []
    stream = client_events.events(server.http, token, [panel_id], last_event_id=0)

    async def read() -> None:
        changed = False
        async for event in stream:
            seen.append(event)
            if isinstance(event, PanelMaterializedEvent) and not changed:
                renamed = await asyncio.to_thread(
                    update_panel.sync, panel_id, client=editor, body=PanelUpdate(name="Renamed")
                )
                assert renamed is not None and not isinstance(renamed, Problem), renamed
                changed = True
            if isinstance(event, PanelUpdatedEvent) and changed:
                return

    try:
        await asyncio.wait_for(read(), timeout=30)
    finally:
        await stream.aclose()
    return seen


def _outbox_message(database_url: str, seq: int) -> str:
    """The event message of an outbox row, encoded as the server sends it."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("SET app.all_tenants = 'on'")
        cursor = conn.execute(
            "SELECT seq, tenant_id, panel_id, type, payload, created_at FROM panel_events"
            " WHERE seq = %s",
            (seq,),
        )
        names = [c.name for c in cursor.description or []]
        row = cursor.fetchone()
    assert row is not None
    return encode(EventMessage.of(as_event(dict(zip(names, row, strict=True)))))
