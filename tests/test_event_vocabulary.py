"""One event vocabulary: event types are spelled only in core/events.py, every type travels
from each kind of outbox writer to a WebSocket client unchanged, and server messages keep
their spelling on the wire.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NotRequired, get_origin, get_type_hints

import psycopg
import pytest

from core.events import PAYLOADS, EventType, write_event
from models.db import libpq_url, make_engine, make_sessionmaker, system_session, tenant_context
from serving.realtime.protocol import (
    Error,
    EventMessage,
    Ping,
    Pong,
    Refusal,
    Replayed,
    Subscribed,
    Unsubscribed,
    Welcome,
    encode,
)
from tests.live import ApiServer, api_server
from tests.test_realtime import Client

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("pipelines", "serving", "models", "schemas", "formulas", "core")
HOME = ROOT / "core" / "events.py"
SPELLED = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(t.value) for t in EventType) + r")(?!\w)"
)


def _spellings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant naming an event type; docstrings are prose."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and SPELLED.search(node.value)
    ]


def test_the_scan_finds_event_types_in_strings_sql_and_f_strings_but_not_in_docstrings() -> None:
    source = '''
"""Emits ``sync.failed``."""
def f(x):
    """On ``panel.materialized``."""
    a = "panel.updated"
    b = "SELECT 1 FROM panel_events WHERE type IN ('sync.failed', 'checks.failed')"
    c = f"{x} schema.changed"
    d = "sync.failed_version panel.updates my.sync.started"  # not event types
'''
    assert [line for line, _ in _spellings(source)] == [5, 6, 7]


def test_event_types_are_spelled_only_in_core_events() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != HOME
        for line, text in _spellings(path.read_text())
    ]
    assert not found, "name event types with core.events.EventType:\n" + "\n".join(found)


def _samples(panel_id: str) -> dict[EventType, dict[str, Any]]:
    """A payload of each type, as its writers build it (unicode and nested values included)."""
    changed = {"panel_id": panel_id, "object_type": "column", "object_id": "c1", "action": "é"}
    return {
        EventType.panel_updated: changed,
        EventType.panel_deleted: {**changed, "object_type": "panel", "action": "delete"},
        EventType.sync_started: {"panel_id": panel_id, "dagster_run_id": "run-1"},
        EventType.panel_materialized: {
            "panel_id": panel_id,
            "version": 3,
            "dagster_run_id": "run-1",
            "row_count": 2,
            "rejects": 0,
            "duration_seconds": 1.25,
            "check_status": "passed",
            "checks": [
                {"name": "ids", "severity": "error", "success": True, "unexpected_count": 0}
            ],
        },
        EventType.schema_changed: {
            "panel_id": panel_id,
            "version": 3,
            "before": [{"key": "id", "name": "id", "type": "integer"}],
            "after": [{"key": "id", "name": "Id", "type": "text"}],
        },
        EventType.checks_failed: {
            "panel_id": panel_id,
            "version": 4,
            "dagster_run_id": None,
            "error": "1 error quality rule(s) failed: ids",
            "failed": [{"name": "ids", "success": False, "examples": [None, 1.5, "x"]}],
        },
        EventType.sync_failed: {
            "panel_id": panel_id,
            "dagster_run_id": "run-2",
            "error": "SourceError: gone",
            "version": None,
        },
    }


def _keys(shape: type) -> tuple[set[str], set[str]]:
    """A TypedDict's required and optional keys (``__required_keys__`` cannot tell under
    postponed annotations: every key counts as required there)."""
    hints = get_type_hints(shape, include_extras=True)
    optional = {k for k, hint in hints.items() if get_origin(hint) is NotRequired}
    return set(hints) - optional, optional


def test_every_event_type_has_a_payload_shape_and_the_samples_fit_them() -> None:
    samples = _samples("p")
    assert set(PAYLOADS) == set(EventType) == set(samples)
    for kind, payload in samples.items():
        required, optional = _keys(PAYLOADS[kind])
        assert required <= set(payload) <= required | optional, kind


def _by_orm_session(database_url: str, tenant: uuid.UUID, panel: uuid.UUID, kind, payload) -> None:
    engine = make_engine(database_url)
    try:
        with system_session(make_sessionmaker(engine)) as session:
            write_event(session, kind, payload, tenant_id=tenant, panel_id=panel)
            session.commit()
    finally:
        engine.dispose()


def _by_sqlalchemy_connection(database_url, tenant, panel, kind, payload) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(*tenant_context(None, all_tenants=True))
            write_event(conn, kind, payload, tenant_id=tenant, panel_id=panel)
    finally:
        engine.dispose()


def _by_psycopg(database_url, tenant, panel, kind, payload) -> None:
    with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        write_event(conn, kind, payload, tenant_id=tenant, panel_id=panel)


@pytest.fixture
def server(database_url, redis_url) -> Iterator[ApiServer]:
    prefix = f"panels-test-{uuid.uuid4().hex[:8]}"
    with api_server(database_url, PANELS_REDIS_URL=redis_url, PANELS_REDIS_PREFIX=prefix) as s:
        yield s


def test_every_event_type_reaches_a_websocket_client_unchanged_from_every_writer(
    server, client, tenant, database_url
) -> None:
    panel = client.post(
        "/api/v1/panels",
        json={"slug": f"p-{uuid.uuid4().hex[:8]}", "name": "Events"},
        headers=tenant.editor,
    ).json()
    panel_id = uuid.UUID(panel["id"])
    watcher = Client(server, tenant.viewer)
    assert watcher.subscribe(panel["id"])["type"] == "subscribed"
    sent = []
    for writer in (_by_orm_session, _by_sqlalchemy_connection, _by_psycopg):
        for kind, payload in _samples(panel["id"]).items():
            writer(database_url, tenant.id, panel_id, kind, payload)
            sent.append((kind.value, payload))
    received = watcher.events(len(sent))
    assert [(m["event"], m["data"]) for m in received] == sent
    assert {m["panel_id"] for m in received} == {panel["id"]}
    ids = [m["id"] for m in received]
    assert ids == sorted(set(ids))
    assert watcher.quiet(1.0) == []
    watcher.close()


def test_server_messages_keep_their_spelling_on_the_wire() -> None:
    # What the hand-built json.dumps (and Starlette's send_json) always sent.
    assert (
        encode(Welcome("acme", 30))
        == '{"type": "welcome", "tenant": "acme", "heartbeat_seconds": 30}'
    )
    assert (
        encode(Subscribed("p", None)) == '{"type": "subscribed", "panel_id": "p", "view_id": null}'
    )
    assert encode(Replayed("p", 3)) == '{"type": "replayed", "panel_id": "p", "count": 3}'
    assert encode(Unsubscribed("p")) == '{"type": "unsubscribed", "panel_id": "p"}'
    assert encode(Ping()) == '{"type":"ping"}'
    assert encode(Pong()) == '{"type":"pong"}'
    assert encode(Error("bad_message", "no é")) == (
        '{"type": "error", "code": "bad_message", "detail": "no \\u00e9"}'
    )
    assert encode(Error("not_found", "gone", panel_id="p")) == (
        '{"type": "error", "code": "not_found", "detail": "gone", "panel_id": "p"}'
    )
    assert encode(Refusal("unauthorized", "no é")) == (
        '{"type":"error","code":"unauthorized","detail":"no é"}'
    )
    event = {
        "seq": 7,
        "tenant_id": "t",
        "panel_id": "p",
        "type": EventType.panel_updated.value,
        "payload": {"a": [1, None]},
        "created_at": "2026-12-01T00:00:00+00:00",
    }
    plain = '{"type":"event","id":7,"event":"panel.updated","panel_id":"p","data":{"a":[1,null]},'
    assert encode(EventMessage.of(event)) == plain + '"at":"2026-12-01T00:00:00+00:00"}'
    assert encode(EventMessage.of(event, {"v2", "v1"})) == (
        plain + '"at":"2026-12-01T00:00:00+00:00","view_ids":["v1","v2"]}'
    )
    assert json.loads(encode(EventMessage.of(event, set())))["type"] == "event"
