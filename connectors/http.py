"""HTTP JSON APIs: record path, page/offset/cursor/Link pagination, retries on 429 and 5xx.

Config: ``url``, ``params``, ``record_path`` (dotted; empty when the body is the list),
``pagination`` = {``type``: none|page|offset|cursor|link, ``page_param``, ``start``,
``size_param``, ``page_size``, ``offset_param``, ``limit_param``, ``cursor_param``,
``cursor_path``, ``max_pages``}, ``timeout``, ``retries``; incremental syncs pass the last
cursor as ``sync.cursor_param``. Secrets: ``headers`` and ``params`` (auth), never logged.

Each page is written to the sink as it arrives (one page in memory at a time); a page whose
records add a field or widen a type widens the file's schema, as one frame of all the records
would have been typed.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from connectors.sink import ParquetSink
from connectors.spec import SourceSpec
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT_S = 60.0


def dig(body: Any, path: str | None) -> Any:
    for part in (path or "").split("."):
        if not part:
            continue
        if not isinstance(body, dict) or part not in body:
            return None
        body = body[part]
    return body


def retry_after_seconds(value: str | None, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds or an HTTP date), else backoff."""
    if value:
        if value.strip().isdigit():
            return min(float(value), MAX_WAIT_S)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, min((when - datetime.now(UTC)).total_seconds(), MAX_WAIT_S))
        except (TypeError, ValueError):
            pass
    return min(0.25 * 2.0**attempt, 30.0)


class _Client:
    def __init__(self, source: SourceSpec, policy: NetworkPolicy) -> None:
        self.source = source
        self.retries = int(source.config.get("retries", 5))
        self.http = policy.http_client(
            headers={str(k): str(v) for k, v in (source.secrets.get("headers") or {}).items()},
            timeout=float(source.config.get("timeout", 30)),
            follow_redirects=True,
        )

    def get(self, url: str, params: dict[str, Any]) -> httpx.Response:
        secret_params = dict(self.source.secrets.get("params") or {})
        for attempt in range(self.retries + 1):
            try:
                response = self.http.get(url, params={**params, **secret_params})
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise TransientSourceError(
                        f"source {self.source.name!r}: {exc.__class__.__name__} calling {url}"
                    ) from exc
                time.sleep(retry_after_seconds(None, attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                if attempt == self.retries:
                    raise TransientSourceError(
                        f"source {self.source.name!r}: HTTP {response.status_code} from {url}"
                        f" after {attempt + 1} attempts"
                    )
                time.sleep(retry_after_seconds(response.headers.get("Retry-After"), attempt))
                continue
            if response.status_code >= 400:
                raise SourceError(
                    f"source {self.source.name!r}: HTTP {response.status_code} from {url}"
                )
            return response
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.http.close()


def _pages(client: _Client, config: dict[str, Any], params: dict[str, Any]) -> Iterator[list[Any]]:
    url = str(config["url"])
    paging = dict(config.get("pagination") or {})
    kind = paging.get("type", "none")
    max_pages = int(paging.get("max_pages", 10_000))
    page_size = paging.get("page_size")
    if page_size and paging.get("size_param"):
        params[paging["size_param"]] = page_size
    page = int(paging.get("start", 1))
    offset = 0
    next_url: str | None = url
    for _ in range(max_pages):
        if kind == "page":
            params[paging.get("page_param", "page")] = page
        elif kind == "offset":
            params[paging.get("offset_param", "offset")] = offset
            params[paging.get("limit_param", "limit")] = page_size or 100
        response = client.get(next_url or url, params)
        try:
            body = response.json()
        except ValueError as exc:
            raise SourceError(f"source {client.source.name!r}: response is not JSON") from exc
        records = dig(body, config.get("record_path"))
        if not isinstance(records, list):
            raise SourceError(
                f"source {client.source.name!r}: record_path {config.get('record_path')!r}"
                " does not lead to a list in the response"
            )
        yield records
        if kind == "none" or not records:
            return
        if kind == "page":
            page += 1
        elif kind == "offset":
            offset += len(records)
        elif kind == "cursor":
            cursor = dig(body, paging.get("cursor_path", "next_cursor"))
            if not cursor:
                return
            params[paging.get("cursor_param", "cursor")] = cursor
        elif kind == "link":
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            # The next link carries its own query; httpx would replace it with ``params``.
            joined = response.url.join(link)
            next_url = str(joined.copy_with(query=None))
            params = dict(joined.params)
        if page_size and len(records) < int(page_size) and kind in ("page", "offset"):
            return


def read_http(
    source: SourceSpec,
    sink: ParquetSink,
    *,
    data_root: Path | None = None,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> None:
    """Every page into ``sink`` as it arrives; pages whose fields differ widen the schema."""
    config = source.config
    params = dict(config.get("params") or {})
    incremental = source.incremental or {}
    if cursor is not None and incremental.get("cursor_param"):
        # Dates and datetimes (a cursor column the API sent typed) travel as ISO 8601.
        params[incremental["cursor_param"]] = (
            cursor.isoformat() if isinstance(cursor, date) else cursor
        )
    client = _Client(source, policy or NetworkPolicy())
    try:
        for records in _pages(client, config, params):
            if not all(isinstance(r, dict) for r in records):
                raise SourceError(f"source {source.name!r}: records must be JSON objects")
            if records:
                sink.write(pl.from_dicts(records, infer_schema_length=None))
    finally:
        client.close()
