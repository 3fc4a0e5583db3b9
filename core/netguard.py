"""What sources may reach: no SSRF into the deployment's own network, no reading its own DB.

HTTP (and file-URL) sources refuse loopback, private, link-local, shared, reserved and
multicast addresses, and the addresses of the app's own hosts (database, Redis, Dagster, API),
unless ``PANELS_SOURCE_ALLOWLIST`` names the host or a network containing the address. The
check runs where the connection is made (an httpcore network backend), for every address a
name resolves to and for every redirect, so DNS rebinding between a check and the connect
cannot slip through. SQL sources may not point at the app's own database unless
``PANELS_SQL_SOURCE_ALLOW_OWN_DATABASE`` is on.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.errors import SourceError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Query-string connection arguments that would override the URL's host, port or database.
TARGET_PARAMETERS = {"host", "hostaddr", "port", "dbname", "database", "service", "unix_socket"}
FILE_DATABASES = {"sqlite", "duckdb"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(SourceError):
    pass


class InvalidHost(SourceError):
    """A host name no resolver could ever answer for (not one that fails to resolve now)."""


def _host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def resolve(host: str, port: int | None = None) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceError(f"cannot resolve {host!r}: {exc.strerror}") from exc
    except UnicodeError as exc:  # the IDNA codec: empty or over-long labels
        raise InvalidHost(f"{host!r} is not a valid host name") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@dataclass(frozen=True)
class NetworkPolicy:
    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[Network, ...] = ()
    own_hosts: frozenset[str] = frozenset()
    own_databases: tuple[tuple[str, int, str], ...] = ()
    allow_own_database: bool = False
    allow_setting: str = "PANELS_SOURCE_ALLOWLIST"  # named in refusals
    _own_addresses: set[Address] = field(default_factory=set, compare=False, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Any, *database_urls: str, webhooks: bool = False
    ) -> NetworkPolicy:
        """The policy of these settings; ``database_urls``: more of the app's own databases.

        ``webhooks``: the policy of webhook endpoints, whose allowlist is its own setting.
        """
        hosts, networks = set(), []
        allowlist = settings.webhook_allowlist if webhooks else settings.source_allowlist
        for item in allowlist:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower())
        own = {
            h.lower()
            for h in (
                _host_of(settings.database_url),
                _host_of(settings.app_database_url),
                _host_of(settings.dagster_database_url),
                _host_of(settings.redis_url),
                _host_of(settings.resolved_dagster_url),
                settings.api_host,
                *(_host_of(u) for u in database_urls),
            )
            if h
        }
        databases = []
        for url in (
            settings.database_url,
            settings.app_database_url,
            settings.dagster_database_url,
            *database_urls,
        ):
            if url:
                parsed = make_url(url)
                databases.append(
                    (
                        (parsed.host or "localhost").lower(),
                        parsed.port or 5432,
                        parsed.database or "",
                    )
                )
        return cls(
            frozenset(hosts),
            tuple(networks),
            frozenset(own),
            tuple(databases),
            bool(settings.sql_source_allow_own_database),
            "PANELS_WEBHOOK_ALLOWLIST" if webhooks else "PANELS_SOURCE_ALLOWLIST",
        )

    def _allowed_explicitly(self, host: str, address: Address | None = None) -> bool:
        if host.lower() in self.allow_hosts:
            return True
        return address is not None and any(address in n for n in self.allow_networks)

    def _own(self) -> set[Address]:
        if not self._own_addresses:
            for host in self.own_hosts:
                try:
                    self._own_addresses.update(resolve(host))
                except SourceError:
                    continue
        return self._own_addresses

    def check_addresses(self, host: str, addresses: Iterable[Address]) -> None:
        for resolved in addresses:
            if self._allowed_explicitly(host, resolved):
                continue
            address = resolved
            if isinstance(resolved, ipaddress.IPv6Address) and resolved.ipv4_mapped:
                address = resolved.ipv4_mapped
            if not address.is_global or address.is_multicast:
                raise BlockedAddress(
                    f"{host!r} resolves to {address}, a loopback, private or reserved address;"
                    f" add it to {self.allow_setting} to allow it"
                )
            if address in self._own() or host.lower() in self.own_hosts:
                raise BlockedAddress(
                    f"{host!r} is one of this deployment's own hosts;"
                    f" add it to {self.allow_setting} to allow it"
                )

    def checked_addresses(self, host: str, port: int | None) -> list[Address]:
        addresses = resolve(host, port)
        self.check_addresses(host, addresses)
        return addresses

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client whose every connection (redirects too) goes through the check."""
        transport = httpx.HTTPTransport(retries=0)
        pool = transport._pool
        pool._network_backend = _GuardedBackend(self)
        return httpx.Client(transport=transport, **kwargs)

    def check_host(self, host: str) -> None:
        """Refuse an IP literal the policy blocks (a name is checked where it is resolved:
        ``http_client``, and the webhook deliverer's resolver)."""
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return
        self.check_addresses(host, [address])

    def check_sql_url(self, url: str) -> None:
        """Refuse file databases, connection targets hidden in the query string, and (unless
        allowed) this deployment's own database."""
        try:
            parsed = make_url(url)
        except (ValueError, ArgumentError) as exc:
            raise SourceError(f"not a database URL: {exc}") from exc
        driver = parsed.drivername.split("+", 1)[0].lower()
        if driver in FILE_DATABASES:
            raise BlockedAddress(
                f"{driver} databases are files on the server; a SQL source reads a database server"
            )
        hidden = sorted(set(parsed.query) & TARGET_PARAMETERS)
        if hidden:
            raise BlockedAddress(
                f"the URL's query may not name where to connect ({', '.join(hidden)}):"
                " put the host, port and database in the URL itself"
            )
        if self.allow_own_database:
            return
        host, port, name = (
            (parsed.host or "localhost").lower(),
            parsed.port or 5432,
            parsed.database,
        )
        for own_host, own_port, own_name in self.own_databases:
            if port == own_port and name == own_name and _same_host(host, own_host):
                raise BlockedAddress(
                    "a SQL source may not read this deployment's own database;"
                    " set PANELS_SQL_SOURCE_ALLOW_OWN_DATABASE to allow it"
                )


def _same_host(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return bool(set(resolve(a)) & set(resolve(b)))
    except SourceError:
        return False


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, policy: NetworkPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self.policy.checked_addresses(host, port)
        # Connect to an address that was checked, not to a fresh resolution of the name.
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)
