from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from schemas.common import PublicModel


class AuditEventPublic(PublicModel):
    id: int
    actor_type: str
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    at: datetime
