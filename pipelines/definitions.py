"""The one entry point of the Panels code location (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from pipelines.resources import PanelsDatabase
from pipelines.sensors import panel_partitions_reconciler

defs = dg.Definitions(
    sensors=[panel_partitions_reconciler],
    resources={"panels_db": PanelsDatabase(url=dg.EnvVar("PANELS_DATABASE_URL"))},
)
