"""One validated settings object, read from ``PANELS_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "panels-development-secret-change-me-0123456789"  # noqa: S105
DEV_ENCRYPTION_KEY = "cGFuZWxzLWRldmVsb3BtZW50LWtleS0wMTIzNDU2Nzg="
PROJECT_ROOT = Path(__file__).resolve().parent.parent

Algorithm = Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PANELS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Owner role: migrations, pipelines, the admin CLI. Empty: `panels demo` starts an
    # embedded PostgreSQL and sets it.
    database_url: str | None = None
    # The API's non-owner role; empty: connect with database_url and SET ROLE panels_app.
    app_database_url: str | None = None
    # Dagster's instance storage; empty: the database_url server, database `<name>_dagster`.
    dagster_database_url: str | None = None
    redis_url: str | None = None
    # The Dagster webserver that syncs are launched through; empty: 127.0.0.1:dagster_port.
    dagster_url: str | None = None

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_algorithms: Annotated[list[Algorithm], NoDecode] = Field(
        default_factory=lambda: list[Algorithm](["HS256"])
    )
    jwt_public_key: str | None = None  # PEM, for RS*/ES* verification
    jwt_private_key: SecretStr | None = None  # PEM, for RS*/ES* signing by `panels token`
    jwt_audience: str = "panels-api"
    jwt_issuer: str = "panels"
    jwt_ttl_seconds: int = Field(default=3600, gt=0, le=31 * 24 * 3600)
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=300)

    # Fernet keys for data-source secrets, newest first (rotation: prepend a new key).
    encryption_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEV_ENCRYPTION_KEY)]
    )

    state_dir: Path = PROJECT_ROOT / ".panels"
    data_root: Path = PROJECT_ROOT / ".panels" / "data"
    dagster_home: Path | None = None
    # Columnar snapshots of published versions (Parquet segments per store, read by DuckDB
    # for analytic reads): a local folder, shared by every process that publishes or serves.
    snapshot_root: str | None = None  # a folder or an fsspec URL; default <state_dir>/snapshots
    write_snapshots: bool = True  # false: publishes write none (aggregates on PostgreSQL)
    # A store read as more segments than this is compacted into a base (snapshot_keeper).
    snapshot_compact_segments: int = Field(default=32, ge=1)
    # DuckDB in each API process answers aggregates from the snapshots ("postgres": never).
    analytics_engine: Literal["duckdb", "postgres"] = "duckdb"
    analytics_threads: int = Field(default=2, ge=1, le=64)
    analytics_memory_mb: int = Field(default=1024, ge=64)
    analytics_timeout_seconds: float = Field(default=30.0, gt=0)
    # The built end-user page (web/, `make web`); the API serves it at /.
    web_dir: Path = PROJECT_ROOT / "web" / "dist"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    dagster_port: int = 3000
    log_level: str = "INFO"
    log_json: bool = True
    page_max: int = Field(default=500, gt=0)
    version_retention: int = Field(default=5, ge=1)
    # Rows a sync handles at a time (PANELS_SYNC_BATCH_ROWS): the Parquet row groups of an
    # extract, and the batches the build stage reads, casts, evaluates and loads. A sync's
    # memory is a few batches, whatever the size of the source or the panel.
    sync_batch_rows: int = Field(default=100_000, ge=1, le=10_000_000)
    # Rows and aggregates responses cached in Redis (when redis_url is set); 0 turns it off.
    read_cache_ttl_seconds: int = Field(default=300, ge=0)
    # Each API process keeps answers of the read routes in memory, as fresh as a query
    # (serving/memory/catalog.py): its size in MiB; 0 turns it off.
    memory_cache_mb: int = Field(default=64, ge=0)
    # Namespace of this deployment's Redis keys and channels (several may share one Redis).
    redis_prefix: str = Field(default="panels", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # Real-time: every API process runs an outbox relay (one leads at a time) and a hub.
    events_relay: bool = True
    relay_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    ws_queue_size: int = Field(default=1000, ge=1)
    ws_heartbeat_seconds: float = Field(default=20.0, gt=0)
    # Requests per tenant and per credential (API token, or user), e.g. "1200/minute"; "" for
    # none. Kept in Redis: without PANELS_REDIS_URL there are no rate limits.
    rate_limit_tenant: str = "6000/minute"
    rate_limit_credential: str = "1200/minute"
    # Hosts or networks (CIDR) that HTTP sources may reach although they are loopback, private
    # or this deployment's own; comma-separated.
    source_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sql_source_allow_own_database: bool = False
    # Webhooks (docs/webhooks.md): every API process runs a deliverer (one leads at a time);
    # false: only `panels webhooks worker` processes deliver.
    webhook_delivery: bool = True
    # Hosts or networks (CIDR) that webhook endpoints may reach although they are loopback,
    # private or this deployment's own (the same guard as sources, its own list).
    webhook_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_response_bytes: int = Field(default=64 << 10, ge=0)
    webhook_concurrency: int = Field(default=64, ge=1, le=1024)  # endpoints at once
    # Retries: exponential from the base (with jitter) up to the cap; an endpoint whose
    # deliveries have failed for this long is disabled.
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3 * 3600.0, gt=0)
    webhook_disable_after_seconds: float = Field(default=24 * 3600.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Browser origins allowed to call the API (CORS); empty: none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Largest request body accepted (413 above it).
    max_body_bytes: int = Field(default=1 << 20, gt=0)
    # /metrics answers only this bearer token when set (else anyone who reaches the port).
    metrics_token: SecretStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _csv_lists(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in (
                "jwt_algorithms",
                "encryption_keys",
                "cors_origins",
                "source_allowlist",
                "webhook_allowlist",
            ):
                if key in data:
                    data[key] = _split_csv(data[key])
        return data

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> Self:
        if self.environment == "production":
            if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET and any(
                a.startswith("HS") for a in self.jwt_algorithms
            ):
                raise ValueError("PANELS_JWT_SECRET must be set outside development")
            if any(k.get_secret_value() == DEV_ENCRYPTION_KEY for k in self.encryption_keys):
                raise ValueError("PANELS_ENCRYPTION_KEYS must be set outside development")
        if any(a[:2] in ("RS", "ES") for a in self.jwt_algorithms) and not self.jwt_public_key:
            raise ValueError("PANELS_JWT_PUBLIC_KEY is required for RS*/ES* algorithms")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("PANELS_JWT_SECRET must be at least 32 characters")
        return self

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError(
                "PANELS_DATABASE_URL is not set (run `panels demo` for an embedded PostgreSQL)"
            )
        return self.database_url

    @property
    def resolved_dagster_url(self) -> str:
        return self.dagster_url or f"http://127.0.0.1:{self.dagster_port}"

    @property
    def extract_dir(self) -> Path:
        """Last extracted data per source: formulas re-run from here without the sources."""
        return self.state_dir / "extracts"

    @property
    def snapshots(self) -> str:
        """Where columnar snapshots live (``PANELS_SNAPSHOT_ROOT``): a folder, or an fsspec
        URL such as ``s3://bucket/prefix`` (:mod:`core.snapshots`)."""
        return self.snapshot_root or str(self.state_dir / "snapshots")

    @property
    def resolved_dagster_home(self) -> Path:
        return self.dagster_home or self.state_dir / "dagster_home"

    @property
    def resolved_dagster_database_url(self) -> str | None:
        """Dagster's instance storage (its runs, their queue): the setting, else
        ``<name>_dagster`` beside the database; None without either."""
        if self.dagster_database_url:
            return self.dagster_database_url
        return dagster_database_url_for(self.database_url) if self.database_url else None


def dagster_database_url_for(url: str) -> str:
    """The URL of the database ``<name>_dagster`` on the server of ``url``."""
    head, _, name = url.rpartition("/")
    name, _, query = name.partition("?")
    return f"{head}/{name}_dagster" + (f"?{query}" if query else "")


@lru_cache
def get_settings() -> Settings:
    return Settings()
