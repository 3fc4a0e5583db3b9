"""Names of the storage objects every layer shares: the data schema, the app role, tables."""

from __future__ import annotations

import uuid
from typing import Final

DATA_SCHEMA: Final = "panel_data"  # one table per published panel version, and its rejects
APP_ROLE: Final = "panels_app"  # the role API requests run as, under row-level security


def table_names(panel_id: uuid.UUID, number: int) -> tuple[str, str]:
    """The rows table and the rejects table of version ``number`` of a panel."""
    return f"p_{panel_id.hex}_v{number}", f"r_{panel_id.hex}_v{number}"
