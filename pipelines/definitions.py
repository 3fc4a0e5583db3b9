"""The one entry point of the Panels code location (see workspace.yaml)."""

from __future__ import annotations

import warnings

import dagster as dg

from pipelines.assets import panel_extract, panel_table
from pipelines.jobs import panel_formulas_job, panel_sync_job, sync_panels_batch
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.schedules import panel_refresh_scheduler
from pipelines.sensors import panel_partitions_reconciler
from pipelines.snapshot_keeper import snapshot_keeper, snapshot_rebuild

with warnings.catch_warnings():
    # Code references are beta in this Dagster release; what they add is stable enough here.
    warnings.simplefilter("ignore", dg.BetaWarning)
    # Each asset links to the file and line that defines it (the UI's "code" link).
    ASSETS = dg.with_source_code_references([panel_extract, panel_table])

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[panel_sync_job, panel_formulas_job, sync_panels_batch, snapshot_rebuild],
    sensors=[panel_partitions_reconciler, panel_refresh_scheduler, snapshot_keeper],
    # The steps of a run share its process: a panel's two assets run one after the other
    # anyway, and a process per step would import the code location twice more per sync.
    executor=dg.in_process_executor,
    resources={
        "panels_db": PanelsDatabase(url=dg.EnvVar("PANELS_DATABASE_URL")),
        "sync_settings": SyncSettings(),
    },
)
