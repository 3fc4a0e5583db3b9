"""SQL databases: a read-only transaction with a statement timeout, streamed in batches.

Config: ``query`` (may use ``:cursor`` for incremental syncs), ``timeout_seconds``; the URL
lives in the encrypted secrets (``secrets.url``), or ``config.url`` when it holds no password.

PostgreSQL is read through ADBC as Arrow (connectors/postgres.py). Other databases
go through SQLAlchemy with a server-side cursor, ``batch_rows`` rows at a time, each batch typed
by Polars from its values; a later batch that widens a type (a column null so far, integers
then decimals...) widens the file's schema as the sink does for any source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from connectors.postgres import read_postgres
from connectors.sink import ParquetSink
from connectors.spec import SourceSpec
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy


def _read_sqlalchemy(
    source: SourceSpec, sink: ParquetSink, *, url: str, query: str, cursor: object
) -> None:
    params: dict[str, Any] = {"cursor": cursor} if ":cursor" in query else {}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(text(query), params)
            columns = list(result.keys())
            sink.declare(pl.Schema(dict.fromkeys(columns, pl.Null())))
            for rows in result.partitions(sink.batch_rows):
                sink.write(
                    pl.DataFrame(
                        [list(r) for r in rows],
                        schema=columns,
                        orient="row",
                        infer_schema_length=None,
                    )
                )
            conn.rollback()
    except OperationalError as exc:
        raise TransientSourceError(f"source {source.name!r}: {exc.orig or exc}") from exc
    except SQLAlchemyError as exc:
        raise SourceError(
            f"source {source.name!r}: query failed: {getattr(exc, 'orig', exc)}"
        ) from exc
    finally:
        engine.dispose()


def read_sql(
    source: SourceSpec,
    sink: ParquetSink,
    *,
    data_root: Path | None = None,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> None:
    url = source.secrets.get("url") or source.config.get("url")
    if not url:
        raise SourceError(f"source {source.name!r}: no database url (set secrets.url)")
    query = str(source.config["query"])
    timeout_ms = int(float(source.config.get("timeout_seconds", 300)) * 1000)
    url = str(url)
    (policy or NetworkPolicy()).check_sql_url(url)
    if make_url(url).drivername.split("+", 1)[0] in ("postgres", "postgresql"):
        read_postgres(source, sink, url=url, query=query, cursor=cursor, timeout_ms=timeout_ms)
    else:
        _read_sqlalchemy(source, sink, url=url, query=query, cursor=cursor)
