"""SQL databases through SQLAlchemy: a read-only transaction with a statement timeout.

Config: ``query`` (may use ``:cursor`` for incremental syncs), ``timeout_seconds``; the URL
lives in the encrypted secrets (``secrets.url``), or ``config.url`` when it holds no password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy
from models.db import sqlalchemy_url
from pipelines.spec import SourceSpec


def read_sql(
    source: SourceSpec,
    *,
    data_root: Path | None = None,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> pl.DataFrame:
    url = source.secrets.get("url") or source.config.get("url")
    if not url:
        raise SourceError(f"source {source.name!r}: no database url (set secrets.url)")
    query = str(source.config["query"])
    timeout_ms = int(float(source.config.get("timeout_seconds", 300)) * 1000)
    params: dict[str, Any] = {"cursor": cursor} if ":cursor" in query else {}
    url = str(url)
    (policy or NetworkPolicy()).check_sql_url(url)
    engine = create_engine(sqlalchemy_url(url) if url.startswith("postgres") else url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
                conn.execute(text(f"SET LOCAL statement_timeout = {timeout_ms}"))
            result = conn.execute(text(query), params)
            columns = list(result.keys())
            rows = result.fetchall()
            conn.rollback()
    except OperationalError as exc:
        raise TransientSourceError(f"source {source.name!r}: {exc.orig or exc}") from exc
    except SQLAlchemyError as exc:
        raise SourceError(
            f"source {source.name!r}: query failed: {getattr(exc, 'orig', exc)}"
        ) from exc
    finally:
        engine.dispose()
    return pl.DataFrame(
        [list(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
    )
