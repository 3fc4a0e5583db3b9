"""Every row of a query: ``GET /panels/{id}/rows`` page after page, following its keyset cursor.

The generated ``read_rows`` reads one page; a cursor is the only way through a large version
(each page costs what the first does, and a cursor keeps reading the version it started on
while new ones are published), so these helpers follow ``next_cursor`` until the last page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from .api.rows import read_rows
from .client import AuthenticatedClient
from .models.rows_page import RowsPage
from .problems import unwrap

Row = dict[str, Any]  # a row's values as the API's JSON gives them; the page's columns type them
Filter = str | Mapping[str, Any]  # a JSON filter tree ({"and": [...]}), or its text
Keys = str | Sequence[str]  # "a,b", or ["a", "b"]; a sort key starts with - for descending


def keys_param(value: Keys | None) -> str | None:
    """Keys as the API takes them: comma-separated."""
    return value if value is None or isinstance(value, str) else ",".join(value)


def filter_param(value: Filter | None) -> str | None:
    """A filter as the API takes it: JSON text."""
    return value if value is None or isinstance(value, str) else json.dumps(value)


def pages(
    client: AuthenticatedClient,
    panel_id: str | UUID,
    *,
    view: str | None = None,
    columns: Keys | None = None,
    sort: Keys | None = None,
    filter_: Filter | None = None,
    group_by: Keys | None = None,
    version: int | None = None,
    meta: bool = False,
    page_size: int = 1000,
) -> Iterator[RowsPage]:
    """Each page of the query in turn, the first without a cursor, the others with the one the
    page before gave; raises ``ApiError`` on a refusal (a bad filter is a 422 naming it)."""
    cursor: str | None = None
    while True:
        page = unwrap(
            read_rows.sync_detailed(
                panel_id,
                client=client,
                view=view,
                columns=keys_param(columns),
                sort=keys_param(sort),
                group_by=keys_param(group_by),
                filter_=filter_param(filter_),
                version=version,
                meta=meta,
                limit=page_size,
                cursor=cursor,
            ),
            RowsPage,
        )
        yield page
        cursor = page.next_cursor if isinstance(page.next_cursor, str) else None
        if not cursor or not page.data:
            return


def rows(
    client: AuthenticatedClient,
    panel_id: str | UUID,
    *,
    view: str | None = None,
    columns: Keys | None = None,
    sort: Keys | None = None,
    filter_: Filter | None = None,
    group_by: Keys | None = None,
    version: int | None = None,
    meta: bool = False,
    page_size: int = 1000,
) -> Iterator[Row]:
    """Every row of the query, in its order, fetched a page (``page_size`` rows) at a time."""
    for page in pages(
        client,
        panel_id,
        view=view,
        columns=columns,
        sort=sort,
        filter_=filter_,
        group_by=group_by,
        version=version,
        meta=meta,
        page_size=page_size,
    ):
        for item in page.data:
            yield item.additional_properties
