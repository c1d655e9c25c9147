"""Strict configuration files: the one check every TOML/JSON loader of geoaccess makes.

An unknown key or table is an error that names the key, the file (and table) it is in, the keys
allowed there and, for a likely misspelling, the key meant::

    limits.toml [speeds]: unknown key 'road_max_kph' (did you mean 'road_max_kmh'?); allowed keys: ...

Used by the limits (:mod:`geoaccess.limits`), network profiles (:mod:`geoaccess.network.profiles`,
:mod:`geoaccess.network.nvdb_profile`, :mod:`geoaccess.network.n1000_profile`), scenario specs
(:mod:`geoaccess.scenario.spec`), region rules (:mod:`geoaccess.regions.config`), the centrality
index (:mod:`geoaccess.measures.centrality`) and the target-town rules
(:mod:`geoaccess.strategy.town_selection`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from geoaccess.errors import InputError

__all__ = ["check_keys", "unknown_keys_message"]


def unknown_keys_message(unknown: Iterable[str], allowed: Iterable[str], *, where: str, what: str = "key",
                         hint: str = "") -> str:
    """The one-line message for unknown keys (see the module docstring).

    Parameters
    ----------
    unknown
        The keys that are not allowed, as written in the file.
    allowed
        The keys allowed there.
    where
        The file and table, e.g. ``"limits.toml [speeds]"``.
    what
        ``"key"``, ``"table"`` or ``"section"``.
    hint
        A sentence added at the end (e.g. where the format is described).
    """
    bad = sorted(str(k) for k in unknown)
    ok = sorted(str(k) for k in allowed)
    shown = ", ".join(repr(k) for k in bad)
    plural = "s" if len(bad) > 1 else ""
    lower = {k.lower(): k for k in ok}
    near = [(k, [lower[k.lower()]] if k.lower() in lower else difflib.get_close_matches(k, ok, n=1, cutoff=0.75))
            for k in bad]
    meant = "; ".join(f"{k!r} -> {m[0]!r}" for k, m in near if m)
    guess = ""
    if meant:
        guess = f" (did you mean {near[0][1][0]!r}?)" if len(bad) == 1 else f" (did you mean: {meant}?)"
    msg = f"{where}: unknown {what}{plural} {shown}{guess}; allowed {what}s: {', '.join(ok)}."
    return f"{msg} {hint}".rstrip() if hint else msg


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], *, where: str, what: str = "key",
               hint: str = "") -> None:
    """Refuse the keys of ``table`` that are not in ``allowed`` with one :class:`~geoaccess.errors.InputError`.

    Parameters
    ----------
    table
        A table read from a configuration file.
    allowed
        The keys allowed in it.
    where
        The file and table, for the message.
    what
        ``"key"``, ``"table"`` or ``"section"``.
    hint
        A sentence added at the end of the message.

    Raises
    ------
    geoaccess.errors.InputError
        ``table`` is not a table, or has keys outside ``allowed`` (named with the allowed ones).
    """
    allowed = list(allowed)
    if not isinstance(table, Mapping):
        msg = f"{where}: expected a table with {what}s {', '.join(sorted(allowed))}, got {type(table).__name__}."
        raise InputError(msg)
    unknown = set(table) - set(allowed)
    if unknown:
        raise InputError(unknown_keys_message(unknown, allowed, where=where, what=what, hint=hint))
