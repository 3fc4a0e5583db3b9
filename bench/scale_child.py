"""The sync measured by bench.scale, alone in its process: both assets of one partition.

Arguments: database URL, state dir, data root, partition key, and optionally the source
allowlist (for a SQL source on this machine) and ``direct``: the two steps the assets run,
called without Dagster (what bench.sync compares with peers that have no orchestrator).
Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import dagster as dg

from pipelines.assets import panel_extract, panel_table
from pipelines.partitions import PANELS_PARTITIONS_NAME
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import SyncEnv, build_and_publish, extract_panel


def main() -> None:
    url, state_dir, data_root, key = sys.argv[1:5]
    db = PanelsDatabase(url=url)
    allowlist = sys.argv[5] if len(sys.argv) > 5 else ""
    settings = SyncSettings(state_dir=state_dir, data_root=data_root, source_allowlist=allowlist)
    if sys.argv[6:] == ["direct"]:
        _direct(db, settings, key)
        return
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(PANELS_PARTITIONS_NAME, [key])
        started = time.perf_counter()
        result = dg.materialize(
            [panel_extract, panel_table],
            partition_key=key,
            instance=instance,
            resources={"panels_db": db, "sync_settings": settings},
        )
        seconds = time.perf_counter() - started
    assert result.success
    extract = result.asset_materializations_for_node("panel_extract")[0].metadata
    table = result.asset_materializations_for_node("panel_table")[0].metadata
    phases = {"extract": extract["sources"].value, **table["seconds"].value}
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "row_count": table["dagster/row_count"].value,
                "phases": phases,
                "changes": table["changes"].value,
            }
        )
    )
    db.dispose()


def _direct(db: PanelsDatabase, settings: SyncSettings, key: str) -> None:
    env = SyncEnv(
        settings=settings.settings().model_copy(update={"database_url": db.url}),
        engine=db.engine,
    )
    started = time.perf_counter()
    extract_panel(env, key)
    published = build_and_publish(env, key)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "row_count": published["row_count"],
                "store": published["store"],
                "phases": published["seconds"],
            }
        )
    )
    db.dispose()


if __name__ == "__main__":
    main()
