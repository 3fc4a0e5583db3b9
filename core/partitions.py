"""Dagster partition keys of panels: one dynamic partition per panel, ``<tenant>.<panel>``."""

from __future__ import annotations

from typing import Final

PARTITIONS_NAME: Final = "panels"


def partition_key(tenant_slug: str, panel_slug: str) -> str:
    return f"{tenant_slug}.{panel_slug}"


def split_partition_key(key: str) -> tuple[str, str]:
    tenant_slug, sep, panel_slug = key.partition(".")
    if not sep:
        raise ValueError(f"partition key {key!r} is not <tenant-slug>.<panel-slug>")
    return tenant_slug, panel_slug
