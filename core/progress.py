"""How a sync reports its progress: one log line format, written by the pipeline to the
Dagster run log and read back by ``panels sync --wait`` for its progress bar.

``loading version 3: 1,200,000 of 6,001,215 rows read, 1,100,000 written, 12 rejected``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(
    r"^(?P<phase>[^:]+): (?P<read>[\d,]+)(?: of (?P<total>[\d,]+))? rows read,"
    r" (?P<written>[\d,]+) written, (?P<rejected>[\d,]+) rejected$"
)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass(frozen=True)
class SyncProgress:
    phase: str
    read: int
    written: int
    rejected: int
    total: int | None = None

    def message(self) -> str:
        of = f" of {self.total:,}" if self.total is not None else ""
        return (
            f"{self.phase}: {self.read:,}{of} rows read, {self.written:,} written,"
            f" {self.rejected:,} rejected"
        )

    @classmethod
    def parse(cls, message: str) -> SyncProgress | None:
        """The progress a log line reports, or None for any other line."""
        found = _LINE.match(message.strip())
        if found is None:
            return None
        total = found["total"]
        return cls(
            phase=found["phase"],
            read=_number(found["read"]),
            written=_number(found["written"]),
            rejected=_number(found["rejected"]),
            total=_number(total) if total else None,
        )
