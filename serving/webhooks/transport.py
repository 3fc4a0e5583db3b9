"""The deliverer's HTTP client: aiohttp, under the sources' network policy.

aiohttp rather than httpx here: with 64 requests in flight on one event loop, httpx's async
pool managed about 200 POSTs a second on this machine and aiohttp about 8,500
(`make bench-webhooks` measures the deliverer against bare POSTs). The policy applies where
addresses are chosen: names resolve through ``GuardedResolver`` (every address is checked, and
aiohttp connects to those it returned, so a DNS answer cannot change between the check and the
connect), and an IP literal, which skips resolvers, is checked by ``NetworkPolicy.check_host``
before the request. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from core.netguard import NetworkPolicy


class GuardedResolver(AbstractResolver):
    """aiohttp's threaded resolver, refusing a name with any address the policy blocks."""

    def __init__(self, policy: NetworkPolicy) -> None:
        self.policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        addresses = [ipaddress.ip_address(str(r["host"]).split("%")[0]) for r in found]
        self.policy.check_addresses(host, addresses)
        return found

    async def close(self) -> None:
        await self._inner.close()


def session(
    policy: NetworkPolicy, concurrency: int, headers: dict[str, str]
) -> aiohttp.ClientSession:
    """One session for every endpoint: keep-alive connections, at most two per endpoint."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(policy), limit=concurrency * 2, limit_per_host=0
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers=headers,
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=None),  # each attempt has its own bound
    )
