"""Two partitioned assets per panel: the extracted sources, then the published table."""

from typing import Any

import dagster as dg

from pipelines.connectors import SourceError, TransientSourceError
from pipelines.mapping import SchemaDriftError, StrictPanelError
from pipelines.partitions import panel_partitions
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.spec import PanelNotFound
from pipelines.sync import SyncEnv, build_and_publish, extract_panel, record_failure

# Transient source errors retry with backoff; errors a retry cannot fix fail at once.
RETRY = dg.RetryPolicy(
    max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
PERMANENT = (SourceError, SchemaDriftError, StrictPanelError, PanelNotFound, ValueError)


def env_for(context: Any, panels_db: PanelsDatabase, sync_settings: SyncSettings) -> SyncEnv:
    return SyncEnv(
        settings=sync_settings.settings(),
        engine=panels_db.engine,
        run_id=context.run.run_id,
        log=context.log.info,
    )


def run_stage(env: SyncEnv, key: str, stage: Any) -> dict[str, Any]:
    """Run a stage; record ``sync.failed`` and tell Dagster whether a retry can help."""
    try:
        result: dict[str, Any] = stage(env, key)
        return result
    except TransientSourceError:
        record_failure(env, key, _current_exception())
        raise
    except PERMANENT as exc:
        record_failure(env, key, exc)
        raise dg.Failure(description=f"{key}: {exc}", allow_retries=False) from exc


def _current_exception() -> BaseException:
    import sys  # noqa: PLC0415

    exc = sys.exc_info()[1]
    assert exc is not None
    return exc


def extract_metadata(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "dagster/row_count": dg.MetadataValue.int(result["rows"]),
        "sources": dg.MetadataValue.json(result["sources"]),
    }


def table_metadata(result: dict[str, Any]) -> dict[str, Any]:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(c["key"], c["type"], description=c["name"]) for c in result["schema"]
        ]
    )
    return {
        "dagster/row_count": dg.MetadataValue.int(result["row_count"]),
        "dagster/column_schema": schema,
        "version": dg.MetadataValue.int(result["version"]),
        "rejects": dg.MetadataValue.int(result["reject_count"]),
        "reject_examples": dg.MetadataValue.json(result["reject_examples"]),
        "sources": dg.MetadataValue.json(result["sources"]),
        "formulas": dg.MetadataValue.json(result["formulas"]),
        "added_columns": dg.MetadataValue.json(result["added_columns"]),
        "load_seconds": dg.MetadataValue.float(result["load_seconds"]),
        "duration_seconds": dg.MetadataValue.float(result["duration_seconds"]),
    }


@dg.asset(
    partitions_def=panel_partitions,
    group_name="panels",
    retry_policy=RETRY,
    kinds={"polars"},
    description="Every data source of the panel, extracted and kept as Parquet"
    " (incremental sources from their stored cursor).",
)
def panel_extract(
    context: dg.AssetExecutionContext, panels_db: PanelsDatabase, sync_settings: SyncSettings
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    env = env_for(context, panels_db, sync_settings)
    return dg.MaterializeResult(
        metadata=extract_metadata(run_stage(env, context.partition_key, extract_panel))
    )


@dg.asset(
    partitions_def=panel_partitions,
    group_name="panels",
    deps=[panel_extract],
    kinds={"polars", "postgres"},
    description="Columns mapped and cast, formulas evaluated, published atomically as the"
    " panel's new version in PostgreSQL. Re-materialise alone to re-run formulas.",
)
def panel_table(
    context: dg.AssetExecutionContext, panels_db: PanelsDatabase, sync_settings: SyncSettings
) -> dg.MaterializeResult:  # type: ignore[type-arg]
    env = env_for(context, panels_db, sync_settings)
    return dg.MaterializeResult(
        metadata=table_metadata(run_stage(env, context.partition_key, build_and_publish))
    )
