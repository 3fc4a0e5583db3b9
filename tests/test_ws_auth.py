"""A refused WebSocket credential ends in close code 4401, for real clients of a live server.

The README promises 4401; an HTTP 403 at the handshake would reach a browser as a bare 1006
(abnormal closure), which the page cannot tell from a network fault.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from core.settings import Settings
from tests.chromium import chromium
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(database_url) -> Iterator[ApiServer]:
    with api_server(database_url) as s:
        yield s


def _refusal(ws: ClientConnection) -> tuple[dict[str, Any], int | None, str]:
    """The error message the server sends, then its close code and reason."""
    message = json.loads(ws.recv(timeout=15))
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=15)
    received = closed.value.rcvd
    assert received is not None, "the server closes, with a code"
    return message, received.code, received.reason


def _expired(settings: Settings, valid: str) -> str:
    """The same claims, signed with the server's key, expired an hour ago."""
    claims = jwt.decode(valid, options={"verify_signature": False})
    claims["iat"], claims["exp"] = int(time.time()) - 7200, int(time.time()) - 3600
    secret = settings.jwt_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm=settings.jwt_algorithms[0])


def test_a_bad_or_expired_token_in_the_header_closes_with_4401(server, settings, tenant) -> None:
    valid = tenant.viewer["Authorization"].removeprefix("Bearer ")
    for token, why in [("nope", "invalid token"), (_expired(settings, valid), "expired")]:
        headers = {"Authorization": f"Bearer {token}"}
        # The handshake succeeds (no HTTP 403): the refusal comes as a message and a close.
        with connect(server.ws, additional_headers=headers, open_timeout=10) as ws:
            message, code, reason = _refusal(ws)
        assert message["type"] == "error" and message["code"] == "unauthorized"
        assert why in message["detail"].lower()
        assert code == 4401
        assert reason == message["detail"]
        assert token not in server.output(), "a token never reaches the logs"


def test_a_revoked_api_token_as_a_subprotocol_closes_with_4401(server, tenant) -> None:
    api = httpx.Client(base_url=server.http + "/api/v1", headers=tenant.admin, timeout=30)
    with api:
        created = api.post("/tokens", json={"name": "ws", "scopes": ["read"]}).json()
        assert api.delete(f"/tokens/{created['id']}").status_code == 204
    offered = ["panels.v1", f"bearer.{created['token']}"]
    with connect(server.ws, subprotocols=offered, open_timeout=10) as ws:
        assert ws.subprotocol == "panels.v1"
        message, code, reason = _refusal(ws)
    assert code == 4401
    assert reason == message["detail"] == "this API token was revoked"


def test_a_browser_sees_4401_and_its_reason(server) -> None:
    # What the page's live connection sees: a browser's WebSocket exposes no HTTP status.
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.http + "/")  # the page's policy lets it connect to this origin
        closed = page.evaluate(
            """url => new Promise(done => {
                const ws = new WebSocket(url, ["panels.v1", "bearer.nope"]);
                ws.onclose = (e) => done({code: e.code, reason: e.reason, protocol: ws.protocol});
                setTimeout(() => done({code: null, reason: "no close in 20 s"}), 20000);
            })""",
            server.ws,
        )
    assert closed["code"] == 4401
    assert closed["reason"].startswith("invalid token")
    assert closed["protocol"] == "panels.v1"


def test_a_rate_limited_credential_closes_with_4429(database_url, redis_url, tenant) -> None:
    limited = {
        "PANELS_REDIS_URL": redis_url,
        "PANELS_REDIS_PREFIX": f"ws-auth-{uuid.uuid4().hex[:8]}",
        "PANELS_RATE_LIMIT_CREDENTIAL": "1/minute",
    }
    with api_server(database_url, **limited) as server:
        with connect(server.ws, additional_headers=tenant.viewer, open_timeout=10) as first:
            assert json.loads(first.recv(timeout=15))["type"] == "welcome"
        with connect(server.ws, additional_headers=tenant.viewer, open_timeout=10) as ws:
            message, code, reason = _refusal(ws)
    assert message["code"] == "rate_limited"
    assert code == 4429
    assert reason.startswith("rate limit of this credential exceeded")
