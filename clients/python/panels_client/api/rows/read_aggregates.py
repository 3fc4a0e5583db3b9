from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.aggregates_public import AggregatesPublic
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    panel_id: str | UUID,
    *,
    group_by: None | str | Unset = UNSET,
    aggregates: None | str | Unset = UNSET,
    bucket: None | str | Unset = UNSET,
    view: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_group_by: None | str | Unset
    if isinstance(group_by, Unset):
        json_group_by = UNSET
    else:
        json_group_by = group_by
    params["group_by"] = json_group_by

    json_aggregates: None | str | Unset
    if isinstance(aggregates, Unset):
        json_aggregates = UNSET
    else:
        json_aggregates = aggregates
    params["aggregates"] = json_aggregates

    json_bucket: None | str | Unset
    if isinstance(bucket, Unset):
        json_bucket = UNSET
    else:
        json_bucket = bucket
    params["bucket"] = json_bucket

    json_view: None | str | Unset
    if isinstance(view, Unset):
        json_view = UNSET
    else:
        json_view = view
    params["view"] = json_view

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

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/panels/{panel_id}/aggregates".format(
            panel_id=quote(str(panel_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AggregatesPublic | Problem | None:
    if response.status_code == 200:
        response_200 = AggregatesPublic.from_dict(response.json())

        return response_200

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
) -> Response[AggregatesPublic | Problem]:
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
    group_by: None | str | Unset = UNSET,
    aggregates: None | str | Unset = UNSET,
    bucket: None | str | Unset = UNSET,
    view: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
) -> Response[AggregatesPublic | Problem]:
    """Read Aggregates

     Aggregates per group (a view's group-by and aggregates unless given) and as footers.

    Args:
        panel_id (str | UUID):
        group_by (None | str | Unset): Comma-separated column keys
        aggregates (None | str | Unset): e.g.
            count,sum:amount,avg:dep_delay,count_distinct:carrier
        bucket (None | str | Unset): Group the first group_by column by buckets: day, week, month,
            quarter or year for dates and times (in UTC), a bin width for numbers (e.g. 100)
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatesPublic | Problem]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        group_by=group_by,
        aggregates=aggregates,
        bucket=bucket,
        view=view,
        version=version,
        filter_=filter_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    group_by: None | str | Unset = UNSET,
    aggregates: None | str | Unset = UNSET,
    bucket: None | str | Unset = UNSET,
    view: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
) -> AggregatesPublic | Problem | None:
    """Read Aggregates

     Aggregates per group (a view's group-by and aggregates unless given) and as footers.

    Args:
        panel_id (str | UUID):
        group_by (None | str | Unset): Comma-separated column keys
        aggregates (None | str | Unset): e.g.
            count,sum:amount,avg:dep_delay,count_distinct:carrier
        bucket (None | str | Unset): Group the first group_by column by buckets: day, week, month,
            quarter or year for dates and times (in UTC), a bin width for numbers (e.g. 100)
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatesPublic | Problem
    """

    return sync_detailed(
        panel_id=panel_id,
        client=client,
        group_by=group_by,
        aggregates=aggregates,
        bucket=bucket,
        view=view,
        version=version,
        filter_=filter_,
    ).parsed


async def asyncio_detailed(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    group_by: None | str | Unset = UNSET,
    aggregates: None | str | Unset = UNSET,
    bucket: None | str | Unset = UNSET,
    view: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
) -> Response[AggregatesPublic | Problem]:
    """Read Aggregates

     Aggregates per group (a view's group-by and aggregates unless given) and as footers.

    Args:
        panel_id (str | UUID):
        group_by (None | str | Unset): Comma-separated column keys
        aggregates (None | str | Unset): e.g.
            count,sum:amount,avg:dep_delay,count_distinct:carrier
        bucket (None | str | Unset): Group the first group_by column by buckets: day, week, month,
            quarter or year for dates and times (in UTC), a bin width for numbers (e.g. 100)
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatesPublic | Problem]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        group_by=group_by,
        aggregates=aggregates,
        bucket=bucket,
        view=view,
        version=version,
        filter_=filter_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    group_by: None | str | Unset = UNSET,
    aggregates: None | str | Unset = UNSET,
    bucket: None | str | Unset = UNSET,
    view: None | str | Unset = UNSET,
    version: int | None | Unset = UNSET,
    filter_: None | str | Unset = UNSET,
) -> AggregatesPublic | Problem | None:
    """Read Aggregates

     Aggregates per group (a view's group-by and aggregates unless given) and as footers.

    Args:
        panel_id (str | UUID):
        group_by (None | str | Unset): Comma-separated column keys
        aggregates (None | str | Unset): e.g.
            count,sum:amount,avg:dep_delay,count_distinct:carrier
        bucket (None | str | Unset): Group the first group_by column by buckets: day, week, month,
            quarter or year for dates and times (in UTC), a bin width for numbers (e.g. 100)
        view (None | str | Unset): A saved view (its id or name): columns, sorts, filters
        version (int | None | Unset): A retained older version
        filter_ (None | str | Unset): JSON filter tree, e.g. {"and": [{"column": "dep_delay",
            "op": "gt", "value": 60}]}

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatesPublic | Problem
    """

    return (
        await asyncio_detailed(
            panel_id=panel_id,
            client=client,
            group_by=group_by,
            aggregates=aggregates,
            bucket=bucket,
            view=view,
            version=version,
            filter_=filter_,
        )
    ).parsed
