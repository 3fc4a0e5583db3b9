"""Jobs: one panel's sync (assets), formulas only, and the in-process batch the scheduler runs.

Each Dagster run costs seconds (a process, the code location); the batch job syncs many panels
in one run, one after the other in process, and records a materialisation per partition for
both assets, so schedules keep up with hundreds of panels a minute on a small machine.
"""

import time
from typing import Any

import dagster as dg

from pipelines.assets import (
    check_evaluations,
    extract_metadata,
    panel_extract,
    panel_table,
    table_metadata,
    timed,
)
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import (
    ChecksFailed,
    SyncEnv,
    build_and_publish,
    extract_panel,
    record_failure,
)

panel_sync_job = dg.define_asset_job(
    "panel_sync",
    selection=[panel_extract, panel_table],
    description="Extract and publish one panel (API, CLI and UI syncs).",
)
panel_formulas_job = dg.define_asset_job(
    "panel_formulas",
    selection=[panel_table],
    description="Re-evaluate formulas and republish from the last extract, without the sources.",
)


class BatchConfig(dg.Config):
    partitions: list[str]


def _log_checks(context: dg.OpExecutionContext, checks: list[dict[str, Any]], key: str) -> None:
    for evaluation in check_evaluations(checks, key):
        # log_event takes check evaluations too (its annotation lags behind its isinstance chain).
        context.log_event(evaluation)  # type: ignore[arg-type]


@dg.op(description="Sync the listed panels in process, one after another.")
def sync_panels(
    context: dg.OpExecutionContext,
    config: BatchConfig,
    panels_db: PanelsDatabase,
    sync_settings: SyncSettings,
) -> None:
    env = SyncEnv(
        settings=sync_settings.settings(),
        engine=panels_db.engine,
        run_id=context.run.run_id,
        log=context.log.debug,
    )
    failures: dict[str, str] = {}
    started = time.perf_counter()
    total = len(config.partitions)
    for i, key in enumerate(config.partitions, 1):
        try:
            extracted = timed(extract_panel, env, key)
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=panel_extract.key, partition=key, metadata=extract_metadata(extracted)
                )
            )
            published = timed(build_and_publish, env, key)
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=panel_table.key, partition=key, metadata=table_metadata(published)
                )
            )
            _log_checks(context, published["checks"], key)
        except ChecksFailed as exc:  # recorded with its checks.failed event already
            failures[key] = f"quality: {exc}"
            _log_checks(context, exc.checks, key)
        except Exception as exc:  # noqa: BLE001 - one panel's failure must not stop the others
            failures[key] = f"{exc.__class__.__name__}: {exc}"
            record_failure(env, key, exc)
        context.log.info(
            f"[{i}/{total}] {key}: {'failed' if key in failures else 'published'}"
            f" ({time.perf_counter() - started:.1f}s elapsed)"
        )
    if failures:
        raise dg.Failure(
            description=f"{len(failures)} of {total} panels failed: {', '.join(sorted(failures))}",
            metadata={"failures": dg.MetadataValue.json(failures)},
            allow_retries=False,
        )


@dg.job(
    tags={"panels/kind": "batch"},
    description="Sync a list of panels in one run (the scheduler, the demo's first sync).",
)
def sync_panels_batch() -> None:
    sync_panels()
