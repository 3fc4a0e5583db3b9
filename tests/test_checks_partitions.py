"""The quality checks are recorded per panel: each evaluation against its own partition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from tests.pipeline_fixtures import write

ERRORS = dg.AssetCheckKey(dg.AssetKey("panel_table"), "quality_errors")
WARNINGS = dg.AssetCheckKey(dg.AssetKey("panel_table"), "quality_warnings")


def _panel(kit: Any, data: Path, delays: str) -> Any:
    write(data, "id,delay\n" + "".join(f"{i},{d}\n" for i, d in enumerate(delays.split(","))))
    k = kit()
    k.source(name="d", kind="file", config={"path": data.name})
    k.column("id", "integer")
    k.column("delay", "integer")
    for severity, high in (("error", 60), ("warning", 30)):
        rule = k.client.post(
            f"{k.url}/quality-rules",
            json={
                "name": f"delay under {high}",
                "kind": "between",
                "column": "delay",
                "params": {"max": high},
                "severity": severity,
            },
            headers=k.tenant.editor,
        )
        assert rule.status_code == 201, rule.text
    return k


def _history(instance: dg.DagsterInstance, key: dg.AssetCheckKey, partition: str) -> list[Any]:
    return list(
        instance.event_log_storage.get_asset_check_execution_history(
            key, limit=10, partition_filter=PartitionKeyFilter(key=partition)
        )
    )


def test_each_panels_checks_are_recorded_on_its_partition(
    kit,
    sync_settings,
    dagster_instance,
    files,
) -> None:
    root = files
    calm = _panel(kit, root / "calm.csv", "5,10")  # passes both
    late = _panel(kit, root / "late.csv", "5,45")  # passes the error rule, warns
    broken = _panel(kit, root / "broken.csv", "5,999")  # fails the error rule: not published
    assert calm.sync().success and late.sync().success
    assert not broken.sync(raise_on_error=False).success

    outcomes = {}
    for k in (calm, late, broken):
        for key in (ERRORS, WARNINGS):
            (record,) = _history(dagster_instance, key, k.key)
            assert record.partition == k.key
            evaluation = record.event.asset_check_evaluation
            assert evaluation.partition == k.key
            outcomes[k.key, key.name] = evaluation.passed
            assert record.status == (
                AssetCheckExecutionRecordStatus.SUCCEEDED
                if evaluation.passed
                else AssetCheckExecutionRecordStatus.FAILED
            )
    assert outcomes == {
        (calm.key, "quality_errors"): True,
        (calm.key, "quality_warnings"): True,
        (late.key, "quality_errors"): True,
        (late.key, "quality_warnings"): False,
        (broken.key, "quality_errors"): False,
        (broken.key, "quality_warnings"): False,
    }
    # The failing rule's examples stay with its panel's evaluation.
    (record,) = _history(dagster_instance, ERRORS, broken.key)
    failed = record.event.asset_check_evaluation.metadata["failed"].value
    assert failed == ["delay under 60"]


def test_the_batch_job_records_each_panels_checks_on_its_partition(
    kit,
    sync_settings,
    dagster_instance,
    database_url,
    files,
) -> None:
    from pipelines.jobs import sync_panels_batch
    from pipelines.resources import PanelsDatabase

    root = files
    calm = _panel(kit, root / "batch-calm.csv", "5,10")
    broken = _panel(kit, root / "batch-broken.csv", "5,999")
    db = PanelsDatabase(url=database_url)
    try:
        result = sync_panels_batch.execute_in_process(
            run_config={"ops": {"sync_panels": {"config": {"partitions": [calm.key, broken.key]}}}},
            instance=dagster_instance,
            resources={"panels_db": db, "sync_settings": sync_settings},
            raise_on_error=False,
        )
    finally:
        db.dispose()
    assert not result.success  # one of its panels failed
    for k, passed in ((calm, True), (broken, False)):
        (record,) = _history(dagster_instance, ERRORS, k.key)
        evaluation = record.event.asset_check_evaluation
        assert (record.partition, evaluation.partition) == (k.key, k.key)
        assert evaluation.passed is passed
        assert record.run_id == result.run_id
