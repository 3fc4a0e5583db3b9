"""The Dagster code location loads, and panel partitions follow the panels table."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.partitions import PANELS_PARTITIONS_NAME, partition_key, split_partition_key
from pipelines.resources import PanelsDatabase
from pipelines.sensors import panel_partitions_reconciler
from tests.builders import make_panel


def test_definitions_load_and_resolve() -> None:
    repository = defs.get_repository_def()
    assert {s.name for s in repository.sensor_defs} == {
        "panel_partitions_reconciler",
        "panel_refresh_scheduler",
        "snapshot_keeper",
    }
    assert {j.name for j in repository.get_all_jobs()} >= {
        "panel_sync",
        "panel_formulas",
        "sync_panels_batch",
        "snapshot_rebuild",
    }


def test_each_asset_says_what_it_does_and_links_to_its_code() -> None:
    """The Dagster UI shows each asset's description and a link to the file and line that
    defines it (dagster/code_references)."""
    import inspect

    from pipelines import assets

    graph = defs.get_repository_def().asset_graph
    for name in ("panel_extract", "panel_table"):
        node = graph.get(dg.AssetKey(name))
        assert node.description and len(node.description) > 40, name
        (reference,) = node.metadata["dagster/code_references"].code_references
        _, line = inspect.getsourcelines(getattr(assets, name).op.compute_fn.decorated_fn)
        assert reference.file_path == inspect.getsourcefile(assets)
        assert line <= reference.line_number <= line + 5, (name, reference)


def test_partition_keys_round_trip() -> None:
    assert split_partition_key(partition_key("acme", "flights")) == ("acme", "flights")
    with pytest.raises(ValueError, match=r"not <tenant-slug>\.<panel-slug>"):
        split_partition_key("no-dot")


def test_sensor_adds_and_removes_partitions(client, tenant, database_url, dagster_instance) -> None:
    panel = make_panel(client, tenant.editor, slug="flights")
    stale = "ghost-tenant.gone"
    dagster_instance.add_dynamic_partitions(PANELS_PARTITIONS_NAME, [stale])
    db = PanelsDatabase(url=database_url)

    def tick():
        with dg.build_sensor_context(
            instance=dagster_instance, resources={"panels_db": db}
        ) as context:
            result = panel_partitions_reconciler(context)
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                dagster_instance.add_dynamic_partitions(
                    request.partitions_def_name, list(request.partition_keys)
                )
            else:
                for key in request.partition_keys:
                    dagster_instance.delete_dynamic_partition(request.partitions_def_name, key)
        return set(dagster_instance.get_dynamic_partitions(PANELS_PARTITIONS_NAME))

    try:
        keys = tick()
        assert partition_key(tenant.slug, "flights") in keys
        assert stale not in keys
        client.delete(f"/api/v1/panels/{panel['id']}", headers=tenant.editor)
        assert partition_key(tenant.slug, "flights") not in tick()
    finally:
        db.dispose()
