"""Exceptions that carry a message a user can act on.

Every error names the file, row or tag at fault and says what to do.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CRSWarning",
    "CacheError",
    "CacheWarning",
    "DataIntegrityError",
    "DataNotFoundError",
    "DataWarning",
    "GeoaccessError",
    "GeoaccessWarning",
    "InputError",
    "LimitError",
    "NetworkBuildError",
    "OutputError",
    "ReachWarning",
]


class GeoaccessError(Exception):
    """Base class for all errors raised by geoaccess."""


class DataNotFoundError(GeoaccessError, FileNotFoundError):
    """A registered dataset is not present and cannot be downloaded."""


class DataIntegrityError(GeoaccessError):
    """A dataset is present but its SHA-256 differs from the manifest."""


class InputError(GeoaccessError, ValueError):
    """An input file or layer is malformed; the message names the culprit."""


class CRSError(InputError):
    """A layer has no CRS, or one that cannot be trusted."""


class NetworkBuildError(InputError):
    """A network could not be built from the given source and profile."""


class CacheError(GeoaccessError, OSError):
    """The network cache folder cannot be written."""


class OutputError(GeoaccessError, OSError):
    """An output cannot be written (disk full, read-only folder, ...); the message names the path."""


class LimitError(InputError):
    """An input exceeds a configured resource or plausibility limit; the message names the limit."""


# --------------------------------------------------------------------------- warnings
class GeoaccessWarning(UserWarning):
    """Base class for every warning geoaccess issues (filter them all with this class)."""


class DataWarning(GeoaccessWarning):
    """An input was read, but some of it was skipped, clamped or repaired; the message counts it."""


class CRSWarning(GeoaccessWarning):
    """A CRS was resolved by a documented rule (e.g. SSB's "unknown" datum read as EPSG:25833)."""


class ReachWarning(GeoaccessWarning):
    """Points or pairs are off the network or unreachable (reported as NaN/inf, never 0)."""


class CacheWarning(GeoaccessWarning):
    """A cache could not be read or written; the work was done without it."""
