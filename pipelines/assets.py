"""Two partitioned assets per panel: the extracted sources, then the published table."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from connectors import SourceError, TransientSourceError
from models.statement_time import tallied
from pipelines.mapping import SchemaDriftError, StrictPanelError
from pipelines.partitions import panel_partitions
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.spec import PanelNotFound
from pipelines.sync import (
    ChecksFailed,
    SyncEnv,
    build_and_publish,
    extract_panel,
    record_failure,
)

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


def timed(stage: Any, env: SyncEnv, key: str) -> dict[str, Any]:
    """A stage's result, with its database statements: count and seconds by kind."""
    with tallied() as statements:
        result: dict[str, Any] = stage(env, key)
    return {**result, "statements": statements.as_metadata()}


def run_stage(env: SyncEnv, key: str, stage: Any) -> dict[str, Any]:
    """Run a stage; record ``sync.failed`` and tell Dagster whether a retry can help."""
    try:
        return timed(stage, env, key)
    except TransientSourceError:
        record_failure(env, key, _current_exception())
        raise
    except ChecksFailed:
        raise  # recorded with its checks.failed event; the asset reports the check results
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
        **statements_metadata(result),
    }


def statements_metadata(result: dict[str, Any]) -> dict[str, Any]:
    """The stage's database statements by kind (``database_query_duration_seconds`` in a
    Prometheus that shares the API's multiprocess directory: docs/metrics.md)."""
    if "statements" not in result:
        return {}
    return {"statements": dg.MetadataValue.json(result["statements"])}


def table_metadata(result: dict[str, Any]) -> dict[str, Any]:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(c["key"], c["type"], description=c["name"]) for c in result["schema"]
        ]
    )
    extract, table = dg.AssetKey("panel_extract"), dg.AssetKey("panel_table")
    lineage = dg.TableColumnLineage(
        deps_by_column={
            key: (
                [dg.TableColumnDep(asset_key=table, column_name=d) for d in origin["formula"]]
                if "formula" in origin
                else [dg.TableColumnDep(asset_key=extract, column_name=origin["field"])]
            )
            for key, origin in result["lineage"].items()
        }
    )
    return {
        "dagster/row_count": dg.MetadataValue.int(result["row_count"]),
        "dagster/column_schema": schema,
        # The served view, fully qualified (database.schema.view), and where each column
        # comes from: a source field of the extract, or the columns its formula reads.
        "dagster/table_name": dg.MetadataValue.text(result["table"]),
        "dagster/column_lineage": lineage,
        "version": dg.MetadataValue.int(result["version"]),
        "rejects": dg.MetadataValue.int(result["reject_count"]),
        "reject_examples": dg.MetadataValue.json(result["reject_examples"]),
        "sources": dg.MetadataValue.json(result["sources"]),
        "formulas": dg.MetadataValue.json(result["formulas"]),
        "added_columns": dg.MetadataValue.json(result["added_columns"]),
        "load_seconds": dg.MetadataValue.float(result["load_seconds"]),
        "duration_seconds": dg.MetadataValue.float(result["duration_seconds"]),
        "seconds": dg.MetadataValue.json(result["seconds"]),
        "progress": dg.MetadataValue.json(result["progress"]),
        # What this version wrote: a new store, or the rows inserted, updated and deleted.
        "changes": dg.MetadataValue.json(result["changes"]),
        **statements_metadata(result),
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


QUALITY_CHECKS = {
    "error": "quality_errors",
    "warning": "quality_warnings",
}


def check_results(checks: list[dict[str, Any]]) -> list[dg.AssetCheckResult]:
    """One Dagster asset check per severity, each with every rule's result and examples."""
    out = []
    for severity, name in QUALITY_CHECKS.items():
        mine = [c for c in checks if c["severity"] == severity]
        failed = [c for c in mine if not c["success"]]
        out.append(
            dg.AssetCheckResult(
                check_name=name,
                passed=not failed,
                severity=dg.AssetCheckSeverity.ERROR
                if severity == "error"
                else dg.AssetCheckSeverity.WARN,
                metadata={
                    "rules": dg.MetadataValue.int(len(mine)),
                    "failed": dg.MetadataValue.json([c["name"] for c in failed]),
                    "results": dg.MetadataValue.json(mine),
                },
            )
        )
    return out


def check_evaluations(
    checks: list[dict[str, Any]], partition: str
) -> list[dg.AssetCheckEvaluation]:
    """The check results as evaluations of ``partition``, for ops that sync many panels."""
    return [
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey("panel_table"),
            check_name=str(r.check_name),
            passed=r.passed,
            metadata=r.metadata,
            severity=r.severity,
            blocking=r.check_name == QUALITY_CHECKS["error"],
            partition=partition,
        )
        for r in check_results(checks)
    ]


@dg.asset(
    partitions_def=panel_partitions,
    group_name="panels",
    deps=[panel_extract],
    kinds={"polars", "postgres"},
    description="Columns mapped and cast, formulas evaluated, quality rules checked (Great"
    " Expectations), published atomically as the panel's new version in PostgreSQL."
    " Re-materialise alone to re-run formulas.",
    check_specs=[
        # Partitioned like the asset: each panel's results are recorded on its own partition
        # (the UI's Checks tab per panel, not one series mixing every panel).
        dg.AssetCheckSpec(
            QUALITY_CHECKS["error"],
            asset="panel_table",
            blocking=True,
            description="The panel's error-severity quality rules: a failure blocks the publish",
            partitions_def=panel_partitions,
        ),
        dg.AssetCheckSpec(
            QUALITY_CHECKS["warning"],
            asset="panel_table",
            description="The panel's warning-severity quality rules: reported, published anyway",
            partitions_def=panel_partitions,
        ),
    ],
)
def panel_table(
    context: dg.AssetExecutionContext, panels_db: PanelsDatabase, sync_settings: SyncSettings
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:  # type: ignore[type-arg]
    env = env_for(context, panels_db, sync_settings)
    try:
        result = run_stage(env, context.partition_key, build_and_publish)
    except ChecksFailed as exc:
        yield from check_results(exc.checks)
        raise dg.Failure(
            description=f"{context.partition_key}: {exc}",
            metadata={
                "failed rules": dg.MetadataValue.json([c for c in exc.checks if not c["success"]])
            },
            allow_retries=False,
        ) from exc
    yield dg.MaterializeResult(
        metadata=table_metadata(result), check_results=check_results(result["checks"])
    )
