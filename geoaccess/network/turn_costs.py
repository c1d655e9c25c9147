"""Turn and junction penalties of a travel profile: the ``[turns]`` and ``[signals]`` sections.

A :class:`TurnCosts` says what a turn costs in **seconds** at a junction of a network built
for a profile, and where U-turns are allowed. The network carries it in
``Network.meta["turn_costs"]`` (plain JSON, so it survives the cache); the prepared router
(:class:`geoaccess.engine.router.Router`) routes on the edge-based graph
(:mod:`geoaccess.engine.turn_graph`) whenever a network carries turn restrictions, a turn
cost or a destination-only edge.

Angle model (``model = "osrm"``, the sigmoid of OSRM's ``car.lua`` ``process_turn``), for a
turn of ``a`` degrees (0 straight on, positive to the right, ±180 a U-turn) at a junction of
more than two roads, with ``b = turn_bias`` for right-hand traffic (``1 / turn_bias`` for
left-hand traffic)::

    right (a >= 0):  turn_seconds / (1 + exp(-(13 / b * a / 180 - 6.5 * b)))
    left  (a < 0):   turn_seconds / (1 + exp(-(13 * b * -a / 180 - 6.5 / b)))

plus, on a turn across oncoming traffic (left where traffic keeps right) that is not a U-turn
and not on a roundabout, ``oncoming_seconds / (1 + exp(-(13 * |a| / 180 - 3.25)))``; a U-turn
adds ``u_turn_seconds``. ``model = "classes"`` charges fixed seconds per class instead:
``straight_seconds`` (|a| <= ``straight_max_degrees``), ``right_seconds``/``left_seconds``
(the side of traffic decides which one crosses oncoming traffic) and ``u_turn_seconds``
(|a| >= ``u_turn_min_degrees``). Passing a traffic signal adds ``signal_seconds`` (once, at
the signal node, in the directions it controls); a marked crossing ``crossing_seconds``.
A junction of two roads (a bend, a signal on a straight road) charges no angle penalty.

Units: seconds and degrees; ``lookahead_m`` (metres along each road from the junction) sets
the points that define a road's direction at the junction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from geoaccess.errors import InputError

__all__ = ["TURN_KEYS", "SIGNAL_KEYS", "TurnCosts", "turn_costs_from_sections"]

TURN_KEYS = frozenset({
    "restrictions", "restriction_keys", "exceptions", "u_turns", "side", "model", "turn_seconds", "turn_bias",
    "oncoming_seconds", "u_turn_seconds", "straight_seconds", "right_seconds", "left_seconds",
    "straight_max_degrees", "u_turn_min_degrees", "lookahead_m",
})
"""Keys allowed in a profile's ``[turns]`` section."""

SIGNAL_KEYS = frozenset({"traffic_signal_seconds", "crossing_seconds"})
"""Keys allowed in a profile's ``[signals]`` section."""

_U_TURNS = ("dead_ends", "everywhere", "never")


@dataclass(frozen=True)
class TurnCosts:
    """Turn, U-turn and signal penalties in seconds (see the module docstring for the formulas).

    Attributes
    ----------
    model : str
        ``"osrm"`` (sigmoid over the angle) or ``"classes"`` (fixed seconds per turn class).
    turn_seconds, turn_bias, oncoming_seconds : float
        OSRM model: largest angle penalty (s), right/left asymmetry, extra for crossing traffic (s).
    straight_seconds, right_seconds, left_seconds : float
        Classes model: seconds per class.
    straight_max_degrees, u_turn_min_degrees : float
        Classes model: a turn within this many degrees of straight is straight on; one of at least
        ``u_turn_min_degrees`` is a U-turn.
    u_turn_seconds : float
        Added to every U-turn (both models).
    u_turns : str
        Where U-turns are allowed: ``"everywhere"`` (default, as node-based routing), ``"dead_ends"``
        (only where no other way on is allowed, OSRM's rule) or ``"never"``.
    side : str
        Side of the road traffic keeps to: ``"right"`` (Norway) or ``"left"``.
    signal_seconds, crossing_seconds : float
        Passing a traffic signal / a marked pedestrian crossing.
    lookahead_m : float
        Metres along each road from the junction that define its direction (angle).
    """

    model: str = "osrm"
    turn_seconds: float = 0.0
    turn_bias: float = 1.075
    oncoming_seconds: float = 0.0
    straight_seconds: float = 0.0
    right_seconds: float = 0.0
    left_seconds: float = 0.0
    straight_max_degrees: float = 30.0
    u_turn_min_degrees: float = 150.0
    u_turn_seconds: float = 0.0
    u_turns: str = "everywhere"
    side: str = "right"
    signal_seconds: float = 0.0
    crossing_seconds: float = 0.0
    lookahead_m: float = 10.0

    def __post_init__(self) -> None:
        if self.model not in ("osrm", "classes"):
            msg = f"turn cost model must be 'osrm' or 'classes', got {self.model!r}."
            raise InputError(msg)
        if self.u_turns not in _U_TURNS:
            msg = f"u_turns must be one of {', '.join(_U_TURNS)}, got {self.u_turns!r}."
            raise InputError(msg)
        if self.side not in ("right", "left"):
            msg = f"side must be 'right' or 'left' (the side of the road traffic keeps to), got {self.side!r}."
            raise InputError(msg)
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type == "float" and not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                msg = f"turn cost {f.name} must be a finite number >= 0, got {v!r}."
                raise InputError(msg)
        if not self.turn_bias > 0 or not self.lookahead_m > 0:
            msg = f"turn_bias and lookahead_m must be > 0, got {self.turn_bias!r} and {self.lookahead_m!r}."
            raise InputError(msg)

    @property
    def is_node_based(self) -> bool:
        """Whether these costs change nothing against node-based routing (no cost, U-turns everywhere)."""
        return not self.any_cost and self.u_turns == "everywhere"

    @property
    def any_cost(self) -> bool:
        """Whether any turn or signal costs anything (else only restrictions/U-turn rules matter)."""
        return any(getattr(self, k) > 0 for k in (
            "turn_seconds", "oncoming_seconds", "straight_seconds", "right_seconds", "left_seconds",
            "u_turn_seconds", "signal_seconds", "crossing_seconds"))

    def to_meta(self) -> dict[str, Any]:
        """Plain JSON-able dict (stored in ``Network.meta["turn_costs"]``)."""
        return asdict(self)

    @classmethod
    def from_meta(cls, data: Mapping[str, Any] | None) -> TurnCosts | None:
        """Inverse of :meth:`to_meta`; ``None`` for ``None``; unknown keys are refused, naming them."""
        if data is None:
            return None
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            msg = f"turn costs have unknown keys {unknown}; allowed keys are {sorted(allowed)}."
            raise InputError(msg)
        return cls(**{k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                      for k, v in data.items()})


def turn_costs_from_sections(turns: Mapping[str, Any], signals: Mapping[str, Any], *, where: str) -> TurnCosts:
    """Build :class:`TurnCosts` from a profile's ``[turns]`` and ``[signals]`` tables.

    Keys that are not cost settings (``restrictions``, ``restriction_keys``, ``exceptions``) are
    read by the profile itself and ignored here.

    Raises
    ------
    InputError
        A badly typed or out-of-range value, naming ``where`` (the profile file) and the key.
    """
    names = {f.name for f in fields(TurnCosts)}
    kw: dict[str, Any] = {}
    for key, value in turns.items():
        if key in names:
            kw[key] = value
    if "traffic_signal_seconds" in signals:
        kw["signal_seconds"] = signals["traffic_signal_seconds"]
    if "crossing_seconds" in signals:
        kw["crossing_seconds"] = signals["crossing_seconds"]
    for key, value in kw.items():
        if key in ("model", "u_turns", "side"):
            if not isinstance(value, str):
                msg = f"{where}: [turns] {key} must be a string, got {value!r}."
                raise InputError(msg)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            section = "signals" if key in ("signal_seconds", "crossing_seconds") else "turns"
            msg = f"{where}: [{section}] {key} must be a number, got {value!r}."
            raise InputError(msg)
        else:
            kw[key] = float(value)
    try:
        return TurnCosts(**kw)
    except InputError as exc:
        msg = f"{where}: {exc}"
        raise InputError(msg) from None
