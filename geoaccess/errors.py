"""Exceptions that carry a message a user can act on.

Every error names the file, row or tag at fault and says what to do.
"""

from __future__ import annotations


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
