"""Sources cannot reach into the deployment: SSRF guard for HTTP, own-database guard for SQL."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.netguard import BlockedAddress, NetworkPolicy
from pipelines.resources import SyncSettings
from tests.pipeline_fixtures import PanelKit


class _Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        body = b'[{"id": 1}]' if self.path.endswith(".json") or "items" in self.path else b"id\n1\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def local_api() -> Iterator[str]:
    _Handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def strict_kit(client, tenant, database_url, dagster_instance, tmp_path):
    """Panels whose syncs run with no allowlist at all (the production default)."""
    strict = SyncSettings(state_dir=str(tmp_path / "state"), data_root=str(tmp_path / "data"))

    def make(**panel):
        return PanelKit(client, tenant, database_url, dagster_instance, strict, **panel)

    return make


def _failure(k) -> str:
    result = k.sync(raise_on_error=False)
    assert not result.success
    return [p for t, p in k.events() if t == "sync.failed"][-1]["error"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fc00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
    ],
)
def test_internal_addresses_are_refused(address) -> None:
    with pytest.raises(BlockedAddress, match="PANELS_SOURCE_ALLOWLIST"):
        NetworkPolicy().check_addresses("api.example.com", [ipaddress.ip_address(address)])


def test_public_addresses_pass_and_allowlists_open_named_hosts_and_networks() -> None:
    NetworkPolicy().check_addresses("example.com", [ipaddress.ip_address("93.184.215.14")])
    allowing = NetworkPolicy(
        allow_hosts=frozenset({"intranet.local"}),
        allow_networks=(ipaddress.ip_network("10.0.0.0/8"),),
    )
    allowing.check_addresses("x", [ipaddress.ip_address("10.9.9.9")])
    allowing.check_addresses("intranet.local", [ipaddress.ip_address("192.168.0.5")])
    with pytest.raises(BlockedAddress):
        allowing.check_addresses("x", [ipaddress.ip_address("192.168.0.5")])
    own = NetworkPolicy(own_hosts=frozenset({"db.example.com"}))
    with pytest.raises(BlockedAddress, match="own hosts"):
        own.check_addresses("db.example.com", [ipaddress.ip_address("93.184.215.14")])


def test_an_http_source_on_loopback_fails_and_the_server_is_never_called(
    strict_kit, local_api
) -> None:
    k = strict_kit()
    k.source(name="api", kind="http", config={"url": f"{local_api}/items"})
    k.column("id", "integer")
    error = _failure(k)
    assert "loopback, private or reserved" in error
    assert _Handler.hits == []


def test_a_redirect_into_the_metadata_service_is_refused(kit, local_api) -> None:
    """127.0.0.1 is allowlisted for this kit; where it redirects to is checked again."""
    k = kit()
    k.source(name="api", kind="http", config={"url": f"{local_api}/redirect", "retries": 0})
    k.column("id", "integer")
    error = _failure(k)
    assert "169.254.169.254" in error
    assert _Handler.hits == ["/redirect"]


def test_a_file_url_on_loopback_is_refused(strict_kit, local_api) -> None:
    k = strict_kit()
    k.source(name="f", kind="file", config={"url": f"{local_api}/data.csv", "format": "csv"})
    k.column("id", "integer")
    assert "loopback, private or reserved" in _failure(k)
    assert _Handler.hits == []


def test_a_sql_source_cannot_read_the_apps_own_database(kit, database_url) -> None:
    k = kit()
    # Refused at save as well (tests/test_source_checks.py); the sync checks again.
    k.unchecked_source(
        name="db",
        kind="sql",
        config={"query": "SELECT id FROM tenants"},
        secrets={"url": database_url},
    )
    k.column("id", "text")
    assert "own database" in _failure(k)
