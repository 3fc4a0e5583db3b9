"""One JSON error body (schemas.common.Problem) for every 4xx and 5xx; no stack traces."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.common import FieldError, Problem

logger = logging.getLogger("panels.errors")

_TITLES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Not authenticated"),
    403: ("forbidden", "Not allowed"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload_too_large", "Payload too large"),
    422: ("validation_error", "Invalid input"),
    429: ("rate_limited", "Too many requests"),
    500: ("internal_error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers


class NotFound(ApiError):
    def __init__(self, object_type: str, object_id: object) -> None:
        super().__init__(404, f"{object_type} {object_id} does not exist")


class Unauthorized(ApiError):
    def __init__(self, detail: str = "missing or invalid credentials") -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class Conflict(ApiError):
    def __init__(self, detail: str, field: str | None = None) -> None:
        errors = [FieldError(field=field, message=detail, type="conflict")] if field else []
        super().__init__(409, detail, errors=errors)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    kind, title = _TITLES.get(status, ("error", "Error"))
    body = Problem(
        type=kind,
        title=title,
        status=status,
        detail=detail,
        errors=errors or [],
        request_id=getattr(request.state, "request_id", None),
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err.get("loc", ()))
        message = str(err.get("msg", "invalid"))
        hint = message.partition("; ")[2] if "; did you mean" in message else None
        out.append(
            FieldError(
                field=loc, message=message, type=str(err.get("type", "invalid")), hint=hint or None
            )
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return problem_response(request, 422, detail or "invalid input", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = (
            exc.detail
            if isinstance(exc.detail, str)
            else _TITLES.get(exc.status_code, ("", "Error"))[1]
        )
        headers: Any = getattr(exc, "headers", None)
        return problem_response(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Constraint names, never the offending values (they may belong to someone else).
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        return problem_response(
            request, 409, f"the change conflicts with existing data ({constraint or 'constraint'})"
        )

    @app.exception_handler(OperationalError)
    async def _unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        return problem_response(
            request, 503, "the database is unavailable; retry shortly", headers={"Retry-After": "2"}
        )

    @app.exception_handler(DBAPIError)
    async def _dbapi(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return problem_response(
                request,
                503,
                "the database connection was lost; retry shortly",
                headers={"Retry-After": "2"},
            )
        logger.exception("database error")
        return problem_response(request, 500, "internal error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return problem_response(request, 500, "internal error")
