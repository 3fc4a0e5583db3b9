from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.formula_preview import FormulaPreview
from ...models.formula_preview_public import FormulaPreviewPublic
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    panel_id: str | UUID,
    *,
    body: FormulaPreview,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/panels/{panel_id}/formula-preview".format(
            panel_id=quote(str(panel_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FormulaPreviewPublic | Problem | None:
    if response.status_code == 200:
        response_200 = FormulaPreviewPublic.from_dict(response.json())

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
) -> Response[FormulaPreviewPublic | Problem]:
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
    body: FormulaPreview,
) -> Response[FormulaPreviewPublic | Problem]:
    """Preview Formula

     Check a formula against the panel's columns, as saving a column would (a 422 names the
    position and a hint), and evaluate it over the first rows of the current version. Nothing
    is saved.

    Args:
        panel_id (str | UUID):
        body (FormulaPreview): A formula checked against the panel's columns and evaluated over
            the first rows of its
            current version; nothing is saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FormulaPreviewPublic | Problem]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    body: FormulaPreview,
) -> FormulaPreviewPublic | Problem | None:
    """Preview Formula

     Check a formula against the panel's columns, as saving a column would (a 422 names the
    position and a hint), and evaluate it over the first rows of the current version. Nothing
    is saved.

    Args:
        panel_id (str | UUID):
        body (FormulaPreview): A formula checked against the panel's columns and evaluated over
            the first rows of its
            current version; nothing is saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FormulaPreviewPublic | Problem
    """

    return sync_detailed(
        panel_id=panel_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    body: FormulaPreview,
) -> Response[FormulaPreviewPublic | Problem]:
    """Preview Formula

     Check a formula against the panel's columns, as saving a column would (a 422 names the
    position and a hint), and evaluate it over the first rows of the current version. Nothing
    is saved.

    Args:
        panel_id (str | UUID):
        body (FormulaPreview): A formula checked against the panel's columns and evaluated over
            the first rows of its
            current version; nothing is saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FormulaPreviewPublic | Problem]
    """

    kwargs = _get_kwargs(
        panel_id=panel_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    panel_id: str | UUID,
    *,
    client: AuthenticatedClient,
    body: FormulaPreview,
) -> FormulaPreviewPublic | Problem | None:
    """Preview Formula

     Check a formula against the panel's columns, as saving a column would (a 422 names the
    position and a hint), and evaluate it over the first rows of the current version. Nothing
    is saved.

    Args:
        panel_id (str | UUID):
        body (FormulaPreview): A formula checked against the panel's columns and evaluated over
            the first rows of its
            current version; nothing is saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FormulaPreviewPublic | Problem
    """

    return (
        await asyncio_detailed(
            panel_id=panel_id,
            client=client,
            body=body,
        )
    ).parsed
