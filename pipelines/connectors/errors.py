"""Source errors live in the bottom layer (``core.errors``), shared with save-time checks."""

from core.errors import SourceError, TransientSourceError

__all__ = ["SourceError", "TransientSourceError"]
