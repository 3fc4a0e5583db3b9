"""Names of the storage objects every layer shares: the data schema, the app role, tables."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Final

DATA_SCHEMA: Final = "panel_data"  # panels' row stores, a view per version, rejects per version
APP_ROLE: Final = "panels_app"  # the role API requests run as, under row-level security


def table_names(panel_id: uuid.UUID, number: int) -> tuple[str, str]:
    """The rows table and the rejects table of version ``number`` of a panel."""
    return f"p_{panel_id.hex}_v{number}", f"r_{panel_id.hex}_v{number}"


def store_name(panel_id: uuid.UUID, generation: int) -> str:
    """The row store a panel's versions share from version ``generation`` on."""
    return f"s_{panel_id.hex}_g{generation}"


def segment_files(number: int) -> tuple[str, str]:
    """Version ``number``'s segment of its store's snapshot: the row states it opened, and
    the identities of the states it closed (``_row_id``, ``_to``)."""
    return f"v{number}.parquet", f"v{number}.closed.parquet"


def base_file(number: int) -> str:
    """A *base* of a store's snapshot: every state version ``number`` reads, in one file.

    Written from PostgreSQL in the background, for a version whose segments are missing (it
    was published before snapshots, or a segment was lost), and to compact a store extended by
    many versions: version M then reads the newest base up to M plus the segments after it."""
    return f"base-v{number}.parquet"


BASE_FILE = re.compile(r"base-v(\d+)\.parquet")


TENANT_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def tenant_files(data_root: Path, tenant_slug: str) -> Path:
    """The folder a tenant's file sources read from, ``<data root>/<tenant slug>/``.

    A file source's path is relative to it and may not leave it: one tenant never names
    another's files.
    """
    if not TENANT_SLUG.fullmatch(tenant_slug):
        raise ValueError(f"{tenant_slug!r} is not a tenant slug")
    return data_root / tenant_slug
