"""Keeps the panel partitions in step with the panels table, repairing drift both ways."""

from __future__ import annotations

import dagster as dg

from pipelines.partitions import PANELS_PARTITIONS_NAME, expected_partition_keys, panel_partitions
from pipelines.resources import PanelsDatabase


@dg.sensor(
    name="panel_partitions_reconciler",
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a partition for every panel and removes those of deleted panels.",
)
def panel_partitions_reconciler(
    context: dg.SensorEvaluationContext, panels_db: PanelsDatabase
) -> dg.SensorResult:
    with panels_db.all_tenants() as session:
        expected = expected_partition_keys(session)
    current = set(context.instance.get_dynamic_partitions(PANELS_PARTITIONS_NAME))
    to_add, to_delete = sorted(expected - current), sorted(current - expected)
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if to_add:
        requests.append(panel_partitions.build_add_request(to_add))
    if to_delete:
        requests.append(panel_partitions.build_delete_request(to_delete))
    if requests:
        context.log.info(f"partitions: +{len(to_add)} -{len(to_delete)}")
    return dg.SensorResult(dynamic_partitions_requests=requests)
