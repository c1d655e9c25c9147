"""An SSB-style centrality index (sentralitetsindeks) from car travel times.

After SSB Notater 2017/40 and 2020/4 (Høydahl): from every inhabited origin (grunnkrets, or a
250 m cell) count the jobs and the service functions reachable by car within 90 minutes,
nearer ones counting more (distance decay); combine 2/3 jobs and 1/3 services; aggregate to
municipalities; scale 0-1000 so that the most central (Oslo) gets 1000; group into SSB's six
classes (KLASS 128: 1 = 925-1000 ... 6 = 0-564).

The steps, with what is published and what is assumed (``centrality.toml``, each marked):

1. **Access** of each origin (:func:`access_sums`): decayed jobs ``Σ_j jobs_j f_jobs(t_ij)`` and
   decayed service functions (the nearest unit of each service type, ``Σ_k f_serv(t_ik)``;
   or every unit, ``mode = "sum"``), ``t ≤ horizon``. Decay form and parameters: ASSUMPTION.
2. **Transform** (:func:`component_scores`): each component becomes a score in [0, 1] of its
   maximum over the origins. SSB's published scale — Oslo 1000 and the least central
   municipalities around 300, 0 only when nothing is reachable — cannot come from a linear
   share of jobs (remote municipalities reach under 0.1 % of Oslo's jobs and would score 1-5).
   The default takes the **logarithm of the jobs**, ``ln(1 + A/a0) / ln(1 + A_max/a0)`` with
   ``a0`` = 1 job (that is ``log1p``: 0 exactly when nothing is reachable, 1 at the maximum), and
   the **share of service functions** linearly (``A/A_max``: a count of at most one unit per
   type, bounded already). On the 2020 national run this puts the least central municipalities
   at 323-369 and Oslo at 1000 without any fitting (ASSUMPTION; docs/strategy.md shows other
   choices). ``"log"``, ``"power"`` (``(A/A_max)^γ``) and ``"linear"`` are offered for each component.
3. **Combine** per origin: ``weight_jobs · s_jobs + weight_services · s_services`` (published
   2/3 and 1/3).
4. **Aggregate**: the unit's value is the population-weighted mean of its origins (ASSUMPTION,
   the likely reading; ``aggregate = "mean"`` is the alternative).
5. **Scale**: ``scale_max`` (1000) × value / the largest unit's value.
6. **Classes**: the KLASS 128 bands (published, in the names of the classes).

The index computed here is therefore *SSB-style*, not SSB's official index; for official classes
read a KLASS 128 file (:mod:`geoaccess.strategy.klass`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.config import check_keys
from geoaccess.errors import InputError
from geoaccess.measures._checks import as_cost, as_weights
from geoaccess.measures.decay import make_decay

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "KLASS_128_BANDS",
    "KLASS_128_CUTS",
    "TRANSFORMS",
    "CentralityConfig",
    "access_sums",
    "centrality_class",
    "centrality_from_access",
    "centrality_index",
    "component_scores",
    "load_config",
]

KLASS_128_BANDS: dict[int, tuple[int, int]] = {1: (925, 1000), 2: (870, 924), 3: (775, 869), 4: (670, 774),
                                               5: (565, 669), 6: (0, 564)}
"""SSB's centrality classes (KLASS 128) and their index bands, from the names of the classes."""
KLASS_128_CUTS: tuple[float, ...] = (925.0, 870.0, 775.0, 670.0, 565.0)
"""Lower bounds of classes 1-5 (an index below 565 is class 6)."""
TRANSFORMS = ("log", "power", "linear")
_SERVICE_MODES = ("nearest_per_type", "sum")
_AGGREGATES = ("population_weighted_mean", "mean")


@dataclass(frozen=True)
class CentralityConfig:
    """Parameters of the index; the defaults are those of ``centrality.toml``.

    Attributes
    ----------
    horizon_minutes
        Car travel time beyond which nothing counts (SSB: 90 minutes).
    weight_jobs, weight_services
        Weights of the two components (SSB: 2/3 and 1/3).
    scale_max
        Index value of the most central unit (SSB: 1000).
    jobs_decay, services_decay
        Decay specs ``(("kind", ...), (param, value), ...)`` in minutes (ASSUMPTION: logistic).
    services_mode
        ``"nearest_per_type"`` or ``"sum"`` (ASSUMPTION).
    aggregate
        ``"population_weighted_mean"`` or ``"mean"`` (ASSUMPTION).
    transform_jobs, transform_services
        ``"log"``, ``"power"`` or ``"linear"``: raw access → component score in [0, 1] (ASSUMPTION).
    log_offset_jobs, log_offset_services
        ``a0`` of the log transform: jobs, and service functions (ASSUMPTION).
    power_exponent
        ``γ`` of the power transform (ASSUMPTION).
    class_cuts
        Descending lower bounds of classes 1..5 in index points (KLASS 128: 925, 870, 775, 670, 565).
    """

    horizon_minutes: float = 90.0
    weight_jobs: float = 2.0 / 3.0
    weight_services: float = 1.0 / 3.0
    scale_max: float = 1000.0
    jobs_decay: tuple[tuple[str, Any], ...] = (("kind", "logistic"), ("mu", 45.0), ("s", 7.5))
    services_decay: tuple[tuple[str, Any], ...] = (("kind", "logistic"), ("mu", 25.0), ("s", 6.0))
    services_mode: str = "nearest_per_type"
    aggregate: str = "population_weighted_mean"
    transform_jobs: str = "log"
    transform_services: str = "linear"
    log_offset_jobs: float = 1.0
    log_offset_services: float = 1.0
    power_exponent: float = 0.2
    class_cuts: tuple[float, ...] = KLASS_128_CUTS

    def __post_init__(self) -> None:
        for name, allowed in (("services_mode", _SERVICE_MODES), ("aggregate", _AGGREGATES),
                              ("transform_jobs", TRANSFORMS), ("transform_services", TRANSFORMS)):
            if getattr(self, name) not in allowed:
                msg = f"centrality {name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}."
                raise InputError(msg)
        cuts = np.asarray(self.class_cuts, dtype=float)
        if cuts.size != 5 or (np.diff(cuts) >= 0).any():
            msg = f"centrality classes.cuts must be 5 strictly descending index values (6 classes); got {list(self.class_cuts)}."
            raise InputError(msg)
        if min(self.weight_jobs, self.weight_services) < 0 or self.weight_jobs + self.weight_services <= 0:
            msg = "centrality weights must be >= 0 and not both zero."
            raise InputError(msg)
        positive = {"horizon_minutes": self.horizon_minutes, "scale_max": self.scale_max,
                    "log_offset_jobs": self.log_offset_jobs, "log_offset_services": self.log_offset_services,
                    "power_exponent": self.power_exponent}
        for name, v in positive.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                msg = f"centrality {name} must be a positive number; got {v!r}."
                raise InputError(msg)
        self.decay("jobs")
        self.decay("services")

    def decay(self, which: str) -> Any:
        """The decay function for ``"jobs"`` or ``"services"``."""
        spec = dict(self.jobs_decay if which == "jobs" else self.services_decay)
        kind = spec.pop("kind", None)
        if kind is None:
            msg = f"centrality {which}_decay needs a 'kind' (e.g. \"logistic\")."
            raise InputError(msg)
        return make_decay(kind, **spec)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain values (for ``run.json`` and ``attrs``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["jobs_decay"] = dict(self.jobs_decay)
        out["services_decay"] = dict(self.services_decay)
        out["class_cuts"] = list(self.class_cuts)
        return out


# Config keys: top level, and the keys of each table. Everything else is refused by name.
_TOP = {"horizon_minutes", "weight_jobs", "weight_services", "scale_max", "aggregate"}
_TABLES = {
    "jobs_decay": None,  # decay parameters, checked by make_decay
    "services_decay": None,
    "services": {"mode"},
    "transform": {"jobs", "services", "log_offset_jobs", "log_offset_services", "power_exponent"},
    "classes": {"cuts"},
}


def _number(raw: dict[str, Any], key: str, where: str) -> float:
    v = raw[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        msg = f"{where}: {key} must be a number, got {v!r}."
        raise InputError(msg)
    return float(v)


def load_config(path: str | Path | None = None) -> CentralityConfig:
    """Read the centrality parameters from a TOML file (default: the packaged ``centrality.toml``).

    Keys not given keep the packaged values. An unknown key or table is an error naming it and
    the allowed ones; so is a value of the wrong type.
    """
    packaged = resources.files("geoaccess.measures").joinpath("centrality.toml").read_text(encoding="utf-8")
    where = str(path) if path is not None else "centrality.toml"
    try:
        base = tomllib.loads(packaged)
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path is not None else base
    except tomllib.TOMLDecodeError as exc:
        msg = f"Cannot read centrality config {where}: {exc}."
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"Cannot read centrality config {where}: {exc.strerror or exc}."
        raise InputError(msg) from None
    for key, value in raw.items():
        if key in _TABLES:
            allowed = _TABLES[key]
            if not isinstance(value, dict):
                msg = f"{where}: [{key}] must be a table."
                raise InputError(msg)
            if allowed is not None:
                check_keys(value, allowed, where=f"{where} [{key}]")
        elif key not in _TOP:
            check_keys({key: value}, [*_TOP, *_TABLES], where=where)
    merged = {k: v for k, v in base.items() if k not in _TABLES}
    merged.update({k: v for k, v in raw.items() if k not in _TABLES})
    tables = {t: {**base.get(t, {}), **raw.get(t, {})} for t in _TABLES}
    if "jobs_decay" in raw:  # a decay given replaces the packaged one (its parameters differ by kind)
        tables["jobs_decay"] = dict(raw["jobs_decay"])
    if "services_decay" in raw:
        tables["services_decay"] = dict(raw["services_decay"])
    tr = tables["transform"]
    kw: dict[str, Any] = {k: _number(merged, k, where) for k in ("horizon_minutes", "weight_jobs", "weight_services",
                                                                 "scale_max")}
    kw.update({k: _number(tr, k, where + " [transform]") for k in ("log_offset_jobs", "log_offset_services",
                                                                    "power_exponent") if k in tr})
    cuts = tables["classes"].get("cuts", list(KLASS_128_CUTS))
    if not isinstance(cuts, list) or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cuts):
        msg = f"{where}: [classes] cuts must be a list of 5 numbers, got {cuts!r}."
        raise InputError(msg)
    return CentralityConfig(
        **kw,
        jobs_decay=tuple(tables["jobs_decay"].items()),
        services_decay=tuple(tables["services_decay"].items()),
        services_mode=str(tables["services"].get("mode", "nearest_per_type")),
        aggregate=str(merged.get("aggregate", "population_weighted_mean")),
        transform_jobs=str(tr.get("jobs", "log")),
        transform_services=str(tr.get("services", "linear")),
        class_cuts=tuple(float(c) for c in cuts),
    )


# --------------------------------------------------------------------------- steps
def _decayed(cost: np.ndarray, f: Any, horizon: float) -> np.ndarray:
    w = f(cost)
    return np.where(cost <= horizon, w, 0.0)


def access_sums(
    jobs_cost: Any,
    jobs: Any,
    services_cost: Any,
    service_types: Any,
    *,
    config: CentralityConfig | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 on dense cost matrices: decayed jobs and decayed service functions of each origin.

    Parameters
    ----------
    jobs_cost
        (n_origins, n_job_locations) car minutes; NaN or inf = unreachable.
    jobs
        Jobs at each job location (>= 0).
    services_cost
        (n_origins, n_service_locations) car minutes.
    service_types
        Service function of each service location (:data:`geoaccess.layers.services.SERVICES`).
    config
        Parameters (default :func:`load_config`).

    Returns
    -------
    (jobs_access, services_access)
        float64 arrays of length n_origins (jobs; service functions).
    """
    import pandas as pd

    cfg = config if config is not None else load_config()
    cj = as_cost(jobs_cost, what="jobs cost matrix")
    cs = as_cost(services_cost, what="services cost matrix")
    n = cj.shape[0]
    if cs.shape[0] != n:
        msg = f"The jobs and services cost matrices have different origin counts ({n} and {cs.shape[0]})."
        raise InputError(msg)
    w_jobs = as_weights(jobs, cj.shape[1], what="jobs")
    types = np.asarray(service_types, dtype=object)
    if types.size != cs.shape[1]:
        msg = f"{types.size} service types given for {cs.shape[1]} service locations."
        raise InputError(msg)
    h = cfg.horizon_minutes
    a_jobs = _decayed(cj, cfg.decay("jobs"), h) @ w_jobs
    fs = cfg.decay("services")
    if cfg.services_mode == "sum":
        a_serv = _decayed(cs, fs, h).sum(axis=1)
    else:
        a_serv = np.zeros(n)
        for t in pd.unique(types):
            cols = types == t
            a_serv += _decayed(cs[:, cols].min(axis=1), fs, h)
    return a_jobs, a_serv


def _transform(a: np.ndarray, top: float, cfg: CentralityConfig, which: str) -> np.ndarray:
    if not top > 0:
        return np.zeros_like(a)
    kind = cfg.transform_jobs if which == "jobs" else cfg.transform_services
    if kind == "linear":
        return a / top
    if kind == "power":
        return (a / top) ** cfg.power_exponent
    a0 = cfg.log_offset_jobs if which == "jobs" else cfg.log_offset_services
    return np.log1p(a / a0) / np.log1p(top / a0)


def component_scores(
    jobs_access: np.ndarray,
    services_access: np.ndarray,
    *,
    config: CentralityConfig | None = None,
    maxima: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: each component as a score in [0, 1] of its maximum (0 exactly where nothing is reachable).

    Parameters
    ----------
    jobs_access, services_access
        Raw access of each origin (:func:`access_sums` or the national kernels).
    config
        Parameters (the ``transform`` and its constants).
    maxima
        The maxima to divide by; default the largest value of each component among the origins.
    """
    cfg = config if config is not None else load_config()
    a_j = np.asarray(jobs_access, dtype=np.float64)
    a_s = np.asarray(services_access, dtype=np.float64)
    for a, what in ((a_j, "jobs"), (a_s, "services")):
        if not np.isfinite(a).all() or (a < 0).any():
            msg = f"The {what} access must be finite and >= 0 for every origin (0 = nothing reachable)."
            raise InputError(msg)
    mj, ms = maxima if maxima is not None else (float(a_j.max(initial=0.0)), float(a_s.max(initial=0.0)))
    return _transform(a_j, mj, cfg, "jobs"), _transform(a_s, ms, cfg, "services")


def centrality_class(index: Any, *, cuts: tuple[float, ...] = KLASS_128_CUTS) -> np.ndarray:
    """Class 1-6 of each index value (1 = most central): KLASS 128 bands by default; NaN stays NaN.

    The value is rounded to a whole index point first, as SSB publishes it (924.6 → 925 → class 1).
    """
    v = np.asarray(index, dtype=np.float64)
    c = 1 + (np.round(v)[..., None] < np.asarray(cuts)[None, :]).sum(axis=-1)
    return np.where(np.isnan(v), np.nan, c)


def centrality_from_access(
    jobs_access: Any,
    services_access: Any,
    *,
    population: Any = None,
    units: Any = None,
    config: CentralityConfig | None = None,
) -> pd.DataFrame:
    """Steps 2-6: the index per unit from the raw access of its origins.

    Parameters
    ----------
    jobs_access, services_access
        Raw decayed jobs / service functions per origin (>= 0; 0 = nothing reachable).
    population
        Residents per origin (>= 0), the aggregation weights; default 1 per origin.
    units
        Unit code (e.g. municipality number) of each origin; None makes every origin its own unit.
    config
        Parameters (default :func:`load_config`).

    Returns
    -------
    pandas.DataFrame
        One row per unit, index descending: ``unit``, ``population``, ``origins``, ``jobs_access`` and
        ``services_access`` (population-weighted means of the raw access), ``jobs_score`` and
        ``services_score`` (weighted means of the origins' scores, 0-1), ``index`` (0-``scale_max``), ``class``
        (1-6). ``attrs`` hold the parameters and the maxima used.
    """
    import pandas as pd

    cfg = config if config is not None else load_config()
    a_j = np.asarray(jobs_access, dtype=np.float64)
    a_s = np.asarray(services_access, dtype=np.float64)
    n = a_j.size
    if a_s.size != n:
        msg = f"{a_j.size} jobs access values but {a_s.size} services access values."
        raise InputError(msg)
    pop = as_weights(population, n, what="population")
    unit = np.asarray(units, dtype=object) if units is not None else np.arange(n).astype(object)
    if unit.size != n:
        msg = f"{unit.size} unit codes given for {n} origins."
        raise InputError(msg)
    s_j, s_s = component_scores(a_j, a_s, config=cfg)
    wsum = cfg.weight_jobs + cfg.weight_services
    combined = (cfg.weight_jobs * s_j + cfg.weight_services * s_s) / wsum
    df = pd.DataFrame({"unit": unit, "population": pop, "jobs_access": a_j, "services_access": a_s,
                       "jobs_score": s_j, "services_score": s_s, "value": combined})
    if cfg.aggregate == "population_weighted_mean":
        # a unit without residents falls back to the plain mean of its origins
        df["_w"] = np.where(df.groupby("unit")["population"].transform("sum") > 0, pop, 1.0)
    else:
        df["_w"] = 1.0
    cols = ["jobs_access", "services_access", "jobs_score", "services_score", "value"]
    for col in cols:
        df[col] = df[col] * df["_w"]
    g = df.groupby("unit", sort=False).agg(population=("population", "sum"), origins=("population", "size"),
                                           _w=("_w", "sum"), **{c: (c, "sum") for c in cols})
    for col in cols:
        g[col] = g[col] / g["_w"]
    top = float(g["value"].max())
    g["index"] = cfg.scale_max * g["value"] / top if top > 0 else 0.0
    g["class"] = centrality_class(g["index"].to_numpy(), cuts=cfg.class_cuts).astype(int)
    out = g.drop(columns=["_w", "value"]).reset_index()
    out = out.sort_values("index", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update({
        "measure": "centrality",
        "method": "SSB-style sentralitetsindeks after SSB Notater 2017/40 and 2020/4; decay, service counting, "
                  "transform and aggregation are documented assumptions; classes are KLASS 128's bands",
        "config": cfg.as_dict(),
        "maxima": {"jobs_access": float(a_j.max(initial=0.0)), "services_access": float(a_s.max(initial=0.0))},
        "top_value": top,
    })
    return out


def centrality_index(
    jobs_cost: Any,
    jobs: Any,
    services_cost: Any,
    service_types: Any,
    *,
    population: Any = None,
    units: Any = None,
    config: CentralityConfig | None = None,
) -> pd.DataFrame:
    """SSB-style centrality index per unit from dense cost matrices (small areas; see the module docstring).

    Parameters
    ----------
    jobs_cost, jobs, services_cost, service_types
        As in :func:`access_sums`.
    population, units, config
        As in :func:`centrality_from_access`.

    Returns
    -------
    pandas.DataFrame
        :func:`centrality_from_access`'s table. For national runs from the 250 m grid use
        :func:`geoaccess.national.centrality.national_centrality`, which computes the same access blockwise.
    """
    cfg = config if config is not None else load_config()
    a_j, a_s = access_sums(jobs_cost, jobs, services_cost, service_types, config=cfg)
    return centrality_from_access(a_j, a_s, population=population, units=units, config=cfg)
