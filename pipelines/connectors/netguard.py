"""The network guard lives in the bottom layer (``core.netguard``), shared with the API."""

from core.netguard import BlockedAddress, NetworkPolicy

__all__ = ["BlockedAddress", "NetworkPolicy"]
