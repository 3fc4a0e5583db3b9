from __future__ import annotations


class SourceError(Exception):
    """A source that cannot be read as configured; the message names the source and the fix."""


class TransientSourceError(SourceError):
    """A failure worth retrying (timeouts, 429, 5xx): Dagster's RetryPolicy retries the step."""
