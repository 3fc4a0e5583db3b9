from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.rows_page import RowsPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    panel_id: str | UUID,
    *,
    view: None | str | Unset = UNSET,
    columns: None | str | Unset = UNSET,
    sort: None | str | Unset = UNSET,
    group_by: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    offset: int | Unset = 0,
    cursor: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
    meta: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_view: None | str | Unset
    if isinstance(view, Unset):
        json_view = UNSET
    else:
        json_view = view
    params["view"] = json_view

    json_columns: None | str | Unset
    if isinstance(columns, Unset):
        json_columns = UNSET
    else:
        json_columns = columns
    params["columns"] = json_columns

    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    else:
        json_sort = sort
    params["sort"] = json_sort

    json_group_by: None | str | Unset
    if isinstance(group_by, Unset):
        json_group_by = UNSET
    else:
        json_group_by = group_by
    params["group_by"] = json_group_by

    params["limit"] = limit

    params["offset"] = offset

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_version: int | None | Unset
    if isinstance(version, Unset):
        json_version = UNSET
    else:
        json_version = version
    params["version"] = json_version

    json_filter_: None | str | Unset
    if isinstance(filter_, Unset):
        json_filter_ = UNSET
    else:
        json_filter_ = filter_
    params["filter"] = json_filter_

    params["meta"] = meta

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/panels/{panel_id}/rows".format(
            panel_id=quote(str(panel_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | RowsPage | None:
    if response.status_code == 200:
        response_200 = RowsPage.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem | RowsPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    view: None | str | Unset = UNSET,
    columns: None | str | Unset = UNSET,
    sort: None | str | Unset = UNSET,
    group_by: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    offset: int | Unset = 0,
    cursor: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
    meta: bool | Unset = False,
) -> Response[Any | Problem | RowsPage]:
    """Read Rows

    Args:
        panel_id (str | UUID):
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        columns (None | str | Unset): Comma-separated column keys
        sort (None | str | Unset): Comma-separated keys, - for descending
        group_by (None | str | Unset): Comma-separated column keys
        limit (int | Unset):  Default: 100.
        offset (int | Unset):  Default: 0.
        cursor (None | str | Unset):
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}
        meta (bool | Unset): Add each row's _meta: its id (stable across versions where the panel
            has a key), the version it first appeared in and the one it last changed in Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | RowsPage]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        view=view,
        columns=columns,
        sort=sort,
        group_by=group_by,
        limit=limit,
        offset=offset,
        cursor=cursor,
        version=version,
        filter_=filter_,
        meta=meta,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    view: None | str | Unset = UNSET,
    columns: None | str | Unset = UNSET,
    sort: None | str | Unset = UNSET,
    group_by: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    offset: int | Unset = 0,
    cursor: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
    meta: bool | Unset = False,
) -> Any | Problem | RowsPage | None:
    """Read Rows

    Args:
        panel_id (str | UUID):
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        columns (None | str | Unset): Comma-separated column keys
        sort (None | str | Unset): Comma-separated keys, - for descending
        group_by (None | str | Unset): Comma-separated column keys
        limit (int | Unset):  Default: 100.
        offset (int | Unset):  Default: 0.
        cursor (None | str | Unset):
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}
        meta (bool | Unset): Add each row's _meta: its id (stable across versions where the panel
            has a key), the version it first appeared in and the one it last changed in Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | RowsPage
    """

    return sync_detailed(
        panel_id=panel_id,
        client=client,
        view=view,
        columns=columns,
        sort=sort,
        group_by=group_by,
        limit=limit,
        offset=offset,
        cursor=cursor,
        version=version,
        filter_=filter_,
        meta=meta,
    ).parsed


async def asyncio_detailed(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    view: None | str | Unset = UNSET,
    columns: None | str | Unset = UNSET,
    sort: None | str | Unset = UNSET,
    group_by: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    offset: int | Unset = 0,
    cursor: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
    meta: bool | Unset = False,
) -> Response[Any | Problem | RowsPage]:
    """Read Rows

    Args:
        panel_id (str | UUID):
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        columns (None | str | Unset): Comma-separated column keys
        sort (None | str | Unset): Comma-separated keys, - for descending
        group_by (None | str | Unset): Comma-separated column keys
        limit (int | Unset):  Default: 100.
        offset (int | Unset):  Default: 0.
        cursor (None | str | Unset):
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}
        meta (bool | Unset): Add each row's _meta: its id (stable across versions where the panel
            has a key), the version it first appeared in and the one it last changed in Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | RowsPage]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        view=view,
        columns=columns,
        sort=sort,
        group_by=group_by,
        limit=limit,
        offset=offset,
        cursor=cursor,
        version=version,
        filter_=filter_,
        meta=meta,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    view: None | str | Unset = UNSET,
    columns: None | str | Unset = UNSET,
    sort: None | str | Unset = UNSET,
    group_by: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    offset: int | Unset = 0,
    cursor: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
    meta: bool | Unset = False,
) -> Any | Problem | RowsPage | None:
    """Read Rows

    Args:
        panel_id (str | UUID):
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        columns (None | str | Unset): Comma-separated column keys
        sort (None | str | Unset): Comma-separated keys, - for descending
        group_by (None | str | Unset): Comma-separated column keys
        limit (int | Unset):  Default: 100.
        offset (int | Unset):  Default: 0.
        cursor (None | str | Unset):
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}
        meta (bool | Unset): Add each row's _meta: its id (stable across versions where the panel
            has a key), the version it first appeared in and the one it last changed in Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | RowsPage
    """

    return (
        await asyncio_detailed(
            panel_id=panel_id,
            client=client,
            view=view,
            columns=columns,
            sort=sort,
            group_by=group_by,
            limit=limit,
            offset=offset,
            cursor=cursor,
            version=version,
            filter_=filter_,
            meta=meta,
        )
    ).parsed
