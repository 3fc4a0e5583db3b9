"""The panels' dynamic partitions definition (keys: ``core.partitions``)."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.partitions import PARTITIONS_NAME, partition_key, split_partition_key
from models import Panel, Tenant

__all__ = [
    "PANELS_PARTITIONS_NAME",
    "expected_partition_keys",
    "panel_partitions",
    "partition_key",
    "split_partition_key",
]

PANELS_PARTITIONS_NAME = PARTITIONS_NAME
panel_partitions = dg.DynamicPartitionsDefinition(name=PANELS_PARTITIONS_NAME)


def expected_partition_keys(session: Session) -> set[str]:
    rows = session.execute(
        select(Tenant.slug, Panel.slug).join(Panel, Panel.tenant_id == Tenant.id)
    )
    return {partition_key(t, p) for t, p in rows}
