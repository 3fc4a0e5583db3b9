"""The day relative date filters (``today``, ``yesterday``...) resolve against: UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    return datetime.now(UTC).date()
