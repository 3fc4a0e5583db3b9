"""Data sources: one typed configuration (and secrets) shape per kind, unknown keys refused."""

from __future__ import annotations

import operator
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from core.enums import ColumnType, SourceKind
from core.source_checks import Check, DatabaseCheck, PathCheck, SelectCheck, UrlCheck, dialect_of
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


class SourceConfig(InputModel):
    """What every kind's config holds besides its own fields; each kind subclasses it."""

    schema_drift: Drift = Field(
        default="ignore", description="New or missing fields: ignore them, add columns, or fail"
    )
    sync: IncrementalSync | None = None
    transform: str | None = Field(
        default=None, min_length=1, description="DuckDB SQL over the extract, seen as `source`"
    )

    def missing_secrets(self, secrets: InputModel | None) -> dict[str, str]:
        """The secrets this config cannot do without and was not given: field -> what to give."""
        return {}

    def reaches(self, secrets: InputModel | None) -> list[Check]:
        """The locations and queries of this kind a sync reads (every kind says; none: [])."""
        raise NotImplementedError(f"{type(self).__name__} does not say what a sync reaches")

    def checks(self, secrets: InputModel | None) -> list[Check]:
        """What is checked at save, in order: what the kind reaches, then the transform."""
        checks = self.reaches(secrets)
        if self.transform is not None:
            checks.append(SelectCheck(("config", "transform"), self.transform, "duckdb"))
        return checks


class FileConfig(SourceConfig):
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

    def reaches(self, secrets: InputModel | None) -> list[Check]:
        if self.path is not None:
            return [PathCheck(("config", "path"), self.path)]
        return [UrlCheck(("config", "url"), self.url)] if self.url is not None else []


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


class HttpConfig(SourceConfig):
    """A JSON API: records at ``record_path`` of each page."""

    url: PublicUrl = Field(examples=["https://api.example.com/v1/items"])
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    record_path: str | None = Field(default=None, description="Dotted; empty: the body is a list")
    pagination: Pagination = Field(default_factory=Pagination)
    timeout: Positive = 30
    retries: int = Field(default=5, ge=0, le=20)

    def reaches(self, secrets: InputModel | None) -> list[Check]:
        return [UrlCheck(("config", "url"), self.url)]


class SqlConfig(SourceConfig):
    """One read-only SELECT (or WITH) statement; ``:cursor`` binds the incremental cursor."""

    query: str = Field(min_length=1, examples=["SELECT id, amount FROM orders"])
    url: PublicUrl | None = Field(
        default=None, description="Only without a password: use secrets.url"
    )
    timeout_seconds: Positive = 300

    def missing_secrets(self, secrets: InputModel | None) -> dict[str, str]:
        if self.url or getattr(secrets, "url", None):
            return {}
        return {"url": "a sql source needs a database url in secrets.url"}

    def reaches(self, secrets: InputModel | None) -> list[Check]:
        secret_url = getattr(secrets, "url", None)
        url = secret_url or self.url
        where = ("secrets", "url") if secret_url else ("config", "url")
        database = [DatabaseCheck(where, url)] if url else []
        return [*database, SelectCheck(("config", "query"), self.query, dialect_of(url))]


class FileSecrets(InputModel):
    headers: dict[str, str] = Field(default_factory=dict)


class HttpSecrets(InputModel):
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)


class SqlSecrets(InputModel):
    url: str | None = Field(default=None, examples=["postgresql://reader:...@db:5432/sales"])


@dataclass(frozen=True)
class KindShapes:
    """The config and secrets shapes of one source kind."""

    config: type[SourceConfig]
    secrets: type[InputModel]


# The one place a source kind registers its shapes (its connector: connectors).
KINDS: dict[SourceKind, KindShapes] = {
    SourceKind.file: KindShapes(FileConfig, FileSecrets),
    SourceKind.http: KindShapes(HttpConfig, HttpSecrets),
    SourceKind.sql: KindShapes(SqlConfig, SqlSecrets),
}


def shapes_of(kind: SourceKind) -> KindShapes:
    """The shapes of ``kind``; a kind without any is an error, never another kind's shapes."""
    try:
        return KINDS[kind]
    except KeyError:
        known = ", ".join(str(k) for k in KINDS)
        raise LookupError(
            f"no config shape for source kind {str(kind)!r} (known kinds: {known})"
        ) from None


def _one_of(shapes: list[type[Any]]) -> str:
    """``"A, B or C"``: the names of these shapes."""
    *rest, last = [shape.__name__ for shape in shapes]
    return f"{', '.join(rest)} or {last}" if rest else last


if TYPE_CHECKING:
    AnyConfig = SourceConfig
else:
    # The schema of a new source's config is each kind's shape (anyOf), in the kinds' order.
    AnyConfig = reduce(operator.or_, (shapes.config for shapes in KINDS.values()))


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
) -> tuple[SourceConfig, InputModel | None]:
    """The kind's config and secrets shapes; a ValidationError locates each problem."""
    shapes = shapes_of(kind)
    errors: list[InitErrorDetails] = []
    parsed_config: SourceConfig | None = None
    parsed_secrets: InputModel | None = None
    try:
        parsed_config = shapes.config.model_validate(config)
    except ValidationError as exc:
        errors += _under("config", exc)
    if secrets is not None:
        try:
            parsed_secrets = shapes.secrets.model_validate(secrets)
        except ValidationError as exc:
            errors += _under("secrets", exc)
    if parsed_config is not None:
        errors += [
            InitErrorDetails(
                type=PydanticCustomError("missing", message), loc=("secrets", field), input=secrets
            )
            for field, message in parsed_config.missing_secrets(parsed_secrets).items()
        ]
    if errors or parsed_config is None:
        raise ValidationError.from_exception_data("source", errors)
    return parsed_config, parsed_secrets


def stored(config: SourceConfig) -> dict[str, Any]:
    """What is kept of a config: the keys the user set, as JSON."""
    return config.model_dump(mode="json", exclude_unset=True)


class SourceCreate(InputModel):
    name: ColumnKey = Field(examples=["flights_csv"])
    kind: SourceKind
    config: AnyConfig = Field(
        description=f"The shape of the kind: {_one_of([s.config for s in KINDS.values()])}",
        examples=[{"path": "nycflights13/flights.csv", "format": "csv"}],
    )
    secrets: dict[str, Any] | None = Field(
        default=None,
        description="Encrypted at rest and never returned: "
        f"{_one_of([s.secrets for s in KINDS.values()])}"
        " (auth headers, query parameters, a database URL with its password)",
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


class PreviewOptions(InputModel):
    """How much of a source a preview reads: rows and seconds, both bounded."""

    limit: int = Field(default=1_000, ge=1, le=10_000, description="Rows read at most")
    timeout: float = Field(default=10, gt=0, le=60, description="Seconds, at most")


class SourcePreviewRequest(PreviewOptions):
    """An unsaved source, previewed before it is created (the same body as a create)."""

    source: SourceCreate


class PreviewFieldPublic(PublicModel):
    name: str = Field(description="A column mapping's field: a name, or a dotted JSON path")
    type: ColumnType = Field(description="The column type a sync would give the field")
    nulls: int = Field(description="Null values among the rows read")
    examples: list[Any] = Field(description="A few distinct values, in the order read")


class SourcePreview(PublicModel):
    fields: list[PreviewFieldPublic]
    rows: list[dict[str, Any]] = Field(description="Up to 50 of the rows read")
    rows_read: int
    complete: bool = Field(description="The source held no more rows than were read")
    timed_out: bool
    elapsed_ms: float
    notes: list[str]
