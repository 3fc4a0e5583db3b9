"""A sync's progress, reported to the run log every few seconds (and once at each end)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.progress import SyncProgress

PROGRESS_EVERY_S = 5.0


@dataclass
class Progress:
    """Rows read, written and rejected so far, reported to the run log every few seconds."""

    log: Callable[[str], None]
    phase: str = "reading"
    read: int = 0
    written: int = 0
    rejected: int = 0
    total: int | None = None
    _last: float = field(default_factory=time.perf_counter)

    def report(self, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        self.log(
            SyncProgress(self.phase, self.read, self.written, self.rejected, self.total).message()
        )

    def as_metadata(self) -> dict[str, Any]:
        return {"read": self.read, "written": self.written, "rejected": self.rejected}
