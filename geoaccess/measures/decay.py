"""Distance-decay functions of travel time, in minutes.

Every function maps travel time ``t`` (minutes; NaN or inf = unreachable) to a weight in
[0, 1]; unreachable pairs always weigh 0. Parameters are in minutes (or per minute) so that a
reader can check them against the literature.

=====================  ==================================================  ====================
function               weight f(t)                                          parameters
=====================  ==================================================  ====================
``NegativeExponential``  exp(-beta * t)                                     beta (1/min)
``Power``              (max(t, t_min) / t_min) ** -alpha                    alpha, t_min (min)
``Gaussian``           exp(-t**2 / (2 sigma**2))                            sigma (min)
``CumulativeGaussian`` 1 - Phi((t - mu) / sigma)                            mu, sigma (min)
``Logistic``           1 / (1 + exp((t - mu) / s))                          mu, s (min)
``Step``               w_k for the first step with t <= upper_k, else 0     ((upper_k, w_k), ...)
``Cutoff``             1 if t <= T else 0                                   T (min)
=====================  ==================================================  ====================

``Gaussian`` and ``Step`` use the same conventions as PySAL ``access.weights.gaussian`` and
``access.weights.step_fn`` (no normalisation, f(0) = 1; a step includes its upper bound).
``Power`` is normalised so that f(t) = 1 for t <= t_min, which removes the infinite weight at
t = 0 that plain ``t**-alpha`` has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from geoaccess.errors import InputError

__all__ = [
    "CumulativeGaussian",
    "Cutoff",
    "Decay",
    "Gaussian",
    "Logistic",
    "NegativeExponential",
    "Power",
    "Step",
    "make_decay",
    "parse_decay",
]


class Decay(Protocol):
    """A decay function: minutes -> weight in [0, 1], 0 where unreachable."""

    name: str

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray: ...


def _prep(minutes: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(minutes, dtype=np.float64)
    ok = np.isfinite(t)
    return np.where(ok, t, 0.0), ok


def _positive(value: float, what: str) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        msg = f"Decay parameter {what} must be a finite number > 0; got {value!r}."
        raise InputError(msg)
    return v


@dataclass(frozen=True)
class NegativeExponential:
    """f(t) = exp(-beta t).

    Parameters
    ----------
    beta
        Decay rate per minute (> 0). The weight halves every ln(2)/beta minutes,
        e.g. beta = 0.05/min halves every 13.9 min.
    """

    beta: float
    name: str = "exponential"

    def __post_init__(self) -> None:
        _positive(self.beta, "beta (per minute)")

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        t, ok = _prep(minutes)
        return np.where(ok, np.exp(-self.beta * t), 0.0)


@dataclass(frozen=True)
class Power:
    """f(t) = (max(t, t_min) / t_min) ** -alpha.

    Parameters
    ----------
    alpha
        Exponent (> 0); 1 or 2 are the classic gravity values.
    t_min
        Minutes below which the weight is held at 1 (> 0); avoids the singularity at t = 0.
    """

    alpha: float
    t_min: float = 1.0
    name: str = "power"

    def __post_init__(self) -> None:
        _positive(self.alpha, "alpha")
        _positive(self.t_min, "t_min (minutes)")

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        t, ok = _prep(minutes)
        return np.where(ok, (np.maximum(t, self.t_min) / self.t_min) ** -self.alpha, 0.0)


@dataclass(frozen=True)
class Gaussian:
    """f(t) = exp(-t^2 / (2 sigma^2)), f(0) = 1 (as PySAL ``weights.gaussian``).

    Parameters
    ----------
    sigma
        Width in minutes (> 0): f(sigma) = 0.607, f(2 sigma) = 0.135.
    """

    sigma: float
    name: str = "gaussian"

    def __post_init__(self) -> None:
        _positive(self.sigma, "sigma (minutes)")

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        t, ok = _prep(minutes)
        return np.where(ok, np.exp(-t * t / (2.0 * self.sigma**2)), 0.0)


@dataclass(frozen=True)
class CumulativeGaussian:
    """Soft cut-off: f(t) = 1 - Phi((t - mu) / sigma), Phi the standard normal CDF.

    Parameters
    ----------
    mu
        Minutes at which the weight is 0.5 (the soft threshold).
    sigma
        Minutes of spread (> 0); about 68 % of the fall from 0.84 to 0.16 happens in mu +- sigma.
    """

    mu: float
    sigma: float
    name: str = "cumulative-gaussian"

    def __post_init__(self) -> None:
        _positive(self.sigma, "sigma (minutes)")
        if not math.isfinite(float(self.mu)):
            msg = f"Decay parameter mu (minutes) must be finite; got {self.mu!r}."
            raise InputError(msg)

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        from scipy.special import ndtr

        t, ok = _prep(minutes)
        return np.where(ok, ndtr(-(t - self.mu) / self.sigma), 0.0)


@dataclass(frozen=True)
class Logistic:
    """Soft cut-off: f(t) = 1 / (1 + exp((t - mu) / s)).

    Parameters
    ----------
    mu
        Minutes at which the weight is 0.5.
    s
        Scale in minutes (> 0): the weight falls from 0.73 to 0.27 between mu - s and mu + s.
    """

    mu: float
    s: float
    name: str = "logistic"

    def __post_init__(self) -> None:
        _positive(self.s, "s (minutes)")
        if not math.isfinite(float(self.mu)):
            msg = f"Decay parameter mu (minutes) must be finite; got {self.mu!r}."
            raise InputError(msg)

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        from scipy.special import expit

        t, ok = _prep(minutes)
        return np.where(ok, expit(-(t - self.mu) / self.s), 0.0)


@dataclass(frozen=True)
class Step:
    """Step weights, as in E2SFCA: f(t) = w_k for the first k with t <= upper_k, 0 beyond the last.

    Parameters
    ----------
    steps
        ((upper_minutes, weight), ...) with strictly increasing upper bounds and weights in
        [0, 1]; Luo & Qi (2009) use ((10, 1.0), (20, 0.68), (30, 0.22)).
    """

    steps: tuple[tuple[float, float], ...]
    name: str = "step"

    def __post_init__(self) -> None:
        steps = tuple((float(u), float(w)) for u, w in self.steps)
        object.__setattr__(self, "steps", steps)
        ups = np.array([u for u, _ in steps])
        ws = np.array([w for _, w in steps])
        if ups.size == 0 or not np.isfinite(ups).all() or (ups < 0).any() or (np.diff(ups) <= 0).any():
            msg = f"Step upper bounds must be finite, >= 0 minutes and strictly increasing; got {ups.tolist()}."
            raise InputError(msg)
        if not np.isfinite(ws).all() or (ws < 0).any() or (ws > 1).any():
            msg = f"Step weights must lie in [0, 1]; got {ws.tolist()}."
            raise InputError(msg)

    @property
    def max_minutes(self) -> float:
        """The last upper bound: beyond it the weight is 0."""
        return self.steps[-1][0]

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        t, ok = _prep(minutes)
        ups = np.array([u for u, _ in self.steps])
        ws = np.append(np.array([w for _, w in self.steps]), 0.0)
        k = np.searchsorted(ups, t, side="left")
        return np.where(ok, ws[k], 0.0)


@dataclass(frozen=True)
class Cutoff:
    """Binary catchment: f(t) = 1 if t <= minutes else 0."""

    minutes: float
    name: str = "cutoff"

    def __post_init__(self) -> None:
        if not (math.isfinite(float(self.minutes)) and self.minutes >= 0):
            msg = f"Cut-off must be finite and >= 0 minutes; got {self.minutes!r}."
            raise InputError(msg)

    def __call__(self, minutes: np.ndarray | float) -> np.ndarray:
        t, ok = _prep(minutes)
        return np.where(ok & (t <= self.minutes), 1.0, 0.0)


_KINDS: dict[str, Any] = {
    "exponential": NegativeExponential,
    "exp": NegativeExponential,
    "power": Power,
    "gaussian": Gaussian,
    "cumulative-gaussian": CumulativeGaussian,
    "cumgauss": CumulativeGaussian,
    "logistic": Logistic,
    "step": Step,
    "cutoff": Cutoff,
}


def make_decay(kind: str, **params: Any) -> Decay:
    """Build a decay function by name, e.g. ``make_decay("exponential", beta=0.05)``.

    Names: exponential (exp), power, gaussian, cumulative-gaussian (cumgauss), logistic, step
    (``steps=[[10, 1.0], [20, 0.68], [30, 0.22]]``), cutoff (``minutes=30``).
    """
    cls = _KINDS.get(kind.strip().lower())
    if cls is None:
        msg = f"Unknown decay function {kind!r}; choose one of {sorted(set(_KINDS))}."
        raise InputError(msg)
    if cls is Step:
        params = {"steps": tuple(tuple(s) for s in params.get("steps", ()))}
    try:
        return cls(**params)
    except TypeError as exc:
        msg = f"Bad parameters {params} for decay {kind!r}: {exc}."
        raise InputError(msg) from None


def parse_decay(spec: str) -> Decay:
    """Parse a command-line decay spec such as ``"exp:beta=0.05"``, ``"logistic:mu=30,s=5"``
    or ``"step:10=1,20=0.68,30=0.22"`` (upper minutes = weight)."""
    kind, _, rest = spec.partition(":")
    pairs = [p.split("=", 1) for p in rest.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        msg = f"Cannot parse decay spec {spec!r}; write e.g. 'exp:beta=0.05' or 'step:10=1,20=0.68,30=0.22'."
        raise InputError(msg)
    try:
        if kind.strip().lower() == "step":
            return make_decay("step", steps=[(float(k), float(v)) for k, v in pairs])
        return make_decay(kind, **{k.strip(): float(v) for k, v in pairs})
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        msg = f"Cannot parse decay spec {spec!r}: {exc}."
        raise InputError(msg) from None
