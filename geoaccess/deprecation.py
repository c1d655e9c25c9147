"""Deprecated parameter names: accepted for one release, with a warning that names the new one.

:func:`renamed_parameters` keeps the one vocabulary (``thresholds_minutes``, ``cutoff_minutes``,
``max_snap_m``, ``id_column``, ``office_jobs``) in every public signature while old keyword
names still work::

    @renamed_parameters(thresholds="thresholds_minutes")
    def coverage(cost, population, *, thresholds_minutes=(10.0, 20.0)): ...

    coverage(cost, pop, thresholds=(10, 20))   # DeprecationWarning: coverage: thresholds= is deprecated; use thresholds_minutes=
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from geoaccess.errors import InputError

__all__ = ["renamed_parameters"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed_parameters(**renames: str) -> Callable[[F], F]:
    """Accept the old keyword names ``renames`` (old -> new) of a function, with a :class:`DeprecationWarning`.

    Giving both the old and the new name is an :class:`~geoaccess.errors.InputError`. The mapping
    is kept on the wrapper as ``__renamed_parameters__`` (the vocabulary test reads it).
    """

    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        msg = f"{func.__name__}: give {new}= only ({old}= is its deprecated name)."
                        raise InputError(msg)
                    warnings.warn(f"{func.__name__}: {old}= is deprecated and will be removed in the next release; "
                                  f"use {new}=.", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_parameters__ = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco
