"""The per-edge bit flags of a :class:`~geoaccess.network.graph.Network` (``Network.flags``, uint8)."""

from __future__ import annotations

import enum

__all__ = ["EdgeFlag"]


class EdgeFlag(enum.IntFlag):
    """Bit flags stored per edge in :attr:`Network.flags`."""

    NONE = 0
    FERRY = 1
    """A ferry crossing (``route=ferry``); its seconds include the boarding wait."""
    SHORTCUT = 2
    """Reserved for derived graphs (never set on a base network)."""
    CONNECTOR = 4
    """An edge added by an edit or a snap, not present in the source."""
    DESTINATION = 8
    """Usable only at the start or end of a trip (``access``/``motor_vehicle`` = destination, delivery,
    customers, agricultural, forestry, permit; NVDB *kjøring til eiendommer*)."""
    SIGNAL = 16
    """A traffic signal at the head of this edge controls traffic arriving along it."""
    ROUNDABOUT = 32
    """Part of a roundabout (``junction=roundabout``/``circular``): no oncoming-traffic turn penalty."""
    CROSSING = 64
    """A marked pedestrian crossing (``highway=crossing``) at the head of this edge."""
