"""Data sources: one typed configuration (and secrets) shape per kind, unknown keys refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from core.enums import SourceKind
from schemas.common import ColumnKey, InputModel, PublicModel

Drift = Literal["ignore", "add", "fail"]
Positive = Annotated[float, Field(gt=0)]


def _no_password(url: str | None) -> str | None:
    """Config is returned to every reader: credentials belong in the encrypted secrets."""
    if url is not None:
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError:
            return url  # the save-time checks name what is wrong with it
        if password or (
            parts.username and "@" in parts.netloc and ":" in parts.netloc.split("@")[0]
        ):
            raise ValueError("a URL with a password goes in secrets (secrets.url or headers)")
    return url


PublicUrl = Annotated[str, Field(min_length=1), AfterValidator(_no_password)]


class IncrementalSync(InputModel):
    """``mode: incremental`` reads rows past the stored cursor and merges them by ``key``."""

    mode: Literal["full", "incremental"] = "full"
    cursor_field: str | None = Field(default=None, min_length=1, examples=["updated_at"])
    key: list[str] = Field(default_factory=list, description="Fields identifying a row")
    cursor_param: str | None = Field(
        default=None, description="HTTP sources: the query parameter the cursor is sent as"
    )

    @model_validator(mode="after")
    def _cursor_when_incremental(self) -> Self:
        if self.mode == "incremental" and not self.cursor_field:
            raise ValueError("an incremental sync needs a cursor_field")
        return self


class _Common(InputModel):
    schema_drift: Drift = Field(
        default="ignore", description="New or missing fields: ignore them, add columns, or fail"
    )
    sync: IncrementalSync | None = None
    transform: str | None = Field(
        default=None, min_length=1, description="DuckDB SQL over the extract, seen as `source`"
    )


class FileConfig(_Common):
    """A CSV, Parquet, JSON or NDJSON file under the data root (``path``) or at an http(s) URL."""

    path: str | None = Field(default=None, min_length=1, examples=["nycflights13/flights.csv"])
    url: PublicUrl | None = None
    format: Literal["csv", "parquet", "json", "ndjson", "jsonl"] | None = None
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    null_values: list[str] | None = None
    timeout: Positive = 60

    @model_validator(mode="after")
    def _path_or_url(self) -> Self:
        if (self.path is None) == (self.url is None):
            raise ValueError("a file source has exactly one of config.path or config.url")
        return self


class Pagination(InputModel):
    type: Literal["none", "page", "offset", "cursor", "link"] = "none"
    page_param: str = "page"
    start: int = 1
    size_param: str | None = None
    page_size: int | None = Field(default=None, ge=1)
    offset_param: str = "offset"
    limit_param: str = "limit"
    cursor_param: str = "cursor"
    cursor_path: str = "next_cursor"
    max_pages: int = Field(default=10_000, ge=1)


class HttpConfig(_Common):
    """A JSON API: records at ``record_path`` of each page."""

    url: PublicUrl = Field(examples=["https://api.example.com/v1/items"])
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    record_path: str | None = Field(default=None, description="Dotted; empty: the body is a list")
    pagination: Pagination = Field(default_factory=Pagination)
    timeout: Positive = 30
    retries: int = Field(default=5, ge=0, le=20)


class SqlConfig(_Common):
    """One read-only SELECT (or WITH) statement; ``:cursor`` binds the incremental cursor."""

    query: str = Field(min_length=1, examples=["SELECT id, amount FROM orders"])
    url: PublicUrl | None = Field(
        default=None, description="Only without a password: use secrets.url"
    )
    timeout_seconds: Positive = 300


class FileSecrets(InputModel):
    headers: dict[str, str] = Field(default_factory=dict)


class HttpSecrets(InputModel):
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)


class SqlSecrets(InputModel):
    url: str | None = Field(default=None, examples=["postgresql://reader:...@db:5432/sales"])


SourceConfig = FileConfig | HttpConfig | SqlConfig
CONFIGS: dict[SourceKind, type[FileConfig] | type[HttpConfig] | type[SqlConfig]] = {
    SourceKind.file: FileConfig,
    SourceKind.http: HttpConfig,
    SourceKind.sql: SqlConfig,
}
SECRETS: dict[SourceKind, type[FileSecrets] | type[HttpSecrets] | type[SqlSecrets]] = {
    SourceKind.file: FileSecrets,
    SourceKind.http: HttpSecrets,
    SourceKind.sql: SqlSecrets,
}


def _under(field: str, exc: ValidationError) -> list[InitErrorDetails]:
    return [
        InitErrorDetails(
            type=PydanticCustomError(err["type"], err["msg"]),
            loc=(field, *err["loc"]),
            input=err["input"],
        )
        for err in exc.errors()
    ]


def parse_source(
    kind: SourceKind, config: Any, secrets: Any
) -> tuple[SourceConfig, FileSecrets | HttpSecrets | SqlSecrets | None]:
    """The kind's config and secrets shapes; a ValidationError locates each problem."""
    errors: list[InitErrorDetails] = []
    parsed_config: SourceConfig | None = None
    parsed_secrets = None
    try:
        parsed_config = CONFIGS[kind].model_validate(config)
    except ValidationError as exc:
        errors += _under("config", exc)
    if secrets is not None:
        try:
            parsed_secrets = SECRETS[kind].model_validate(secrets)
        except ValidationError as exc:
            errors += _under("secrets", exc)
    if (
        isinstance(parsed_config, SqlConfig)
        and not parsed_config.url
        and not getattr(parsed_secrets, "url", None)
    ):
        errors.append(
            InitErrorDetails(
                type=PydanticCustomError(
                    "missing", "a sql source needs a database url in secrets.url"
                ),
                loc=("secrets", "url"),
                input=secrets,
            )
        )
    if errors or parsed_config is None:
        raise ValidationError.from_exception_data("source", errors)
    return parsed_config, parsed_secrets


def stored(config: SourceConfig) -> dict[str, Any]:
    """What is kept of a config: the keys the user set, as JSON."""
    return config.model_dump(mode="json", exclude_unset=True)


class SourceCreate(InputModel):
    name: ColumnKey = Field(examples=["flights_csv"])
    kind: SourceKind
    config: SourceConfig = Field(
        description="The shape of the kind: FileConfig, HttpConfig or SqlConfig",
        examples=[{"path": "nycflights13/flights.csv", "format": "csv"}],
    )
    secrets: dict[str, Any] | None = Field(
        default=None,
        description="Encrypted at rest and never returned: FileSecrets, HttpSecrets or "
        "SqlSecrets (auth headers, query parameters, a database URL with its password)",
        examples=[{"headers": {"Authorization": "Bearer ..."}}],
    )

    @model_validator(mode="before")
    @classmethod
    def _config_of_its_kind(cls, data: Any) -> Any:
        # The config is checked against its kind's shape only (a union would report the
        # mistakes of every shape); an unknown kind is left to the kind field's own error.
        if not isinstance(data, dict):
            return data
        try:
            kind = SourceKind(str(data.get("kind")))
        except ValueError:
            return data
        config, secrets = parse_source(kind, data.get("config", {}), data.get("secrets"))
        out = {**data, "config": config}
        if secrets is not None:
            out["secrets"] = secrets.model_dump(exclude_unset=True)
        return out


class SourceUpdate(InputModel):
    name: ColumnKey | None = None
    config: dict[str, Any] | None = Field(
        default=None, description="The whole new config, in the shape of the source's kind"
    )
    secrets: dict[str, Any] | None = None


class SourcePublic(PublicModel):
    id: uuid.UUID
    panel_id: uuid.UUID
    name: str
    kind: SourceKind
    config: dict[str, Any]
    has_secrets: bool
    warnings: list[str] = Field(
        default_factory=list,
        description="Said when saved: what may stop a sync later (a file not there yet)",
    )
    created_at: datetime
    updated_at: datetime
