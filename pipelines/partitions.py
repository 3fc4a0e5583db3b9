"""One dynamic partition per panel, keyed ``<tenant-slug>.<panel-slug>``."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Panel, Tenant

PANELS_PARTITIONS_NAME = "panels"
panel_partitions = dg.DynamicPartitionsDefinition(name=PANELS_PARTITIONS_NAME)


def partition_key(tenant_slug: str, panel_slug: str) -> str:
    return f"{tenant_slug}.{panel_slug}"


def split_partition_key(key: str) -> tuple[str, str]:
    tenant_slug, sep, panel_slug = key.partition(".")
    if not sep:
        raise ValueError(f"partition key {key!r} is not <tenant-slug>.<panel-slug>")
    return tenant_slug, panel_slug


def expected_partition_keys(session: Session) -> set[str]:
    rows = session.execute(
        select(Tenant.slug, Panel.slug).join(Panel, Panel.tenant_id == Tenant.id)
    )
    return {partition_key(t, p) for t, p in rows}
