"""An SSB-style centrality index (sentralitetsindeks) from car travel times.

After SSB Notater 2017/40 and 2020/4 (Høydahl): from every inhabited origin (grunnkrets, or a
250 m cell) count the jobs and the service functions reachable by car within 90 minutes,
nearer ones counting more (distance decay); combine about 2/3 jobs and 1/3 services; aggregate to
units (municipalities); scale 0-1000 so the most central unit gets 1000; group into 6 classes
(1 = most central).

What SSB has not published — the decay function and its parameters, how services are counted,
any log transform, the aggregation from grunnkrets to municipality and the class cut points — is
set in ``centrality.toml`` next to this module, each marked as an ASSUMPTION. The index computed
here is therefore *SSB-style*, not SSB's official index; for official classes read KLASS 128.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.measures._checks import as_cost, as_weights
from geoaccess.measures.decay import make_decay

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CentralityConfig", "centrality_index", "load_config"]


@dataclass(frozen=True)
class CentralityConfig:
    """Parameters of the index; defaults come from ``centrality.toml``.

    Attributes
    ----------
    horizon_minutes
        Car travel time beyond which nothing counts (SSB: 90 minutes).
    weight_jobs, weight_services
        Weights of the two components (SSB: 2/3 and 1/3).
    scale_max
        Index value of the most central unit (SSB: 1000).
    jobs_decay, services_decay
        Decay specs ``{"kind": ..., **params}`` in minutes (ASSUMPTION: logistic).
    services_mode
        ``"nearest_per_type"`` or ``"sum"`` (ASSUMPTION).
    aggregate
        ``"population_weighted_mean"`` or ``"mean"`` (ASSUMPTION).
    log
        Apply log1p to the access sums before normalising (ASSUMPTION: False).
    class_cuts
        Descending lower bounds of classes 1..5 in index points (ASSUMPTION).
    """

    horizon_minutes: float = 90.0
    weight_jobs: float = 2.0 / 3.0
    weight_services: float = 1.0 / 3.0
    scale_max: float = 1000.0
    jobs_decay: tuple[tuple[str, Any], ...] = (("kind", "logistic"), ("mu", 45.0), ("s", 7.5))
    services_decay: tuple[tuple[str, Any], ...] = (("kind", "logistic"), ("mu", 25.0), ("s", 6.0))
    services_mode: str = "nearest_per_type"
    aggregate: str = "population_weighted_mean"
    log: bool = False
    class_cuts: tuple[float, ...] = (900.0, 800.0, 700.0, 600.0, 500.0)

    def __post_init__(self) -> None:
        if self.services_mode not in {"nearest_per_type", "sum"}:
            msg = f"centrality services.mode must be 'nearest_per_type' or 'sum'; got {self.services_mode!r}."
            raise InputError(msg)
        if self.aggregate not in {"population_weighted_mean", "mean"}:
            msg = f"centrality aggregate must be 'population_weighted_mean' or 'mean'; got {self.aggregate!r}."
            raise InputError(msg)
        cuts = np.asarray(self.class_cuts, dtype=float)
        if cuts.size != 5 or (np.diff(cuts) >= 0).any():
            msg = f"centrality classes.cuts must be 5 strictly descending index values (6 classes); got {list(self.class_cuts)}."
            raise InputError(msg)
        if min(self.weight_jobs, self.weight_services) < 0 or self.weight_jobs + self.weight_services <= 0:
            msg = "centrality weights must be >= 0 and not both zero."
            raise InputError(msg)

    def decay(self, which: str) -> Any:
        """The decay function for ``"jobs"`` or ``"services"``."""
        spec = dict(self.jobs_decay if which == "jobs" else self.services_decay)
        kind = spec.pop("kind")
        return make_decay(kind, **spec)


def load_config(path: str | Path | None = None) -> CentralityConfig:
    """Read the centrality parameters from a TOML file (default: the packaged ``centrality.toml``)."""
    if path is None:
        text = resources.files("geoaccess.measures").joinpath("centrality.toml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"Cannot read centrality config {path or 'centrality.toml'}: {exc}."
        raise InputError(msg) from None
    return CentralityConfig(
        horizon_minutes=float(raw.get("horizon_minutes", 90.0)),
        weight_jobs=float(raw.get("weight_jobs", 2 / 3)),
        weight_services=float(raw.get("weight_services", 1 / 3)),
        scale_max=float(raw.get("scale_max", 1000.0)),
        jobs_decay=tuple(raw.get("jobs_decay", dict(CentralityConfig.jobs_decay)).items()),
        services_decay=tuple(raw.get("services_decay", dict(CentralityConfig.services_decay)).items()),
        services_mode=str(raw.get("services", {}).get("mode", "nearest_per_type")),
        aggregate=str(raw.get("aggregate", "population_weighted_mean")),
        log=bool(raw.get("log", False)),
        class_cuts=tuple(float(x) for x in raw.get("classes", {}).get("cuts", CentralityConfig.class_cuts)),
    )


def _decayed(cost: np.ndarray, f: Any, horizon: float) -> np.ndarray:
    w = f(cost)
    return np.where(cost <= horizon, w, 0.0)


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
    """SSB-style centrality index per unit (municipality) or per origin.

    Parameters
    ----------
    jobs_cost
        (n_origins, n_job_locations) car travel times in minutes; NaN or inf = unreachable.
    jobs
        Jobs at each job location (workplace counts, >= 0).
    services_cost
        (n_origins, n_service_locations) car travel times in minutes.
    service_types
        Service function of each service location (e.g. ``"hospital"``, ``"nav_office"``), from
        :data:`geoaccess.layers.services.SERVICES`.
    population
        Residents per origin (>= 0); used to aggregate to units and to ignore empty origins.
        Default 1 per origin.
    units
        Unit code (e.g. municipality number) of each origin; None makes every origin its own unit.
    config
        Parameters; default :func:`load_config` (the packaged ``centrality.toml``).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit``, ``population``, ``jobs_access`` (decayed jobs),
        ``services_access`` (decayed service functions), ``jobs_score`` and ``services_score``
        (0-1, share of the maximum), ``index`` (0-``scale_max``) and ``class`` (1-6, 1 = most
        central), sorted by index descending. ``attrs`` hold the configuration and the
        assumptions used.
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
    pop = as_weights(population, n, what="population")
    unit = np.asarray(units, dtype=object) if units is not None else np.arange(n).astype(object)
    if unit.size != n:
        msg = f"{unit.size} unit codes given for {n} origins."
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
            nearest = cs[:, cols].min(axis=1) if cols.any() else np.full(n, np.inf)
            a_serv += _decayed(nearest, fs, h)
    if cfg.log:
        a_jobs, a_serv = np.log1p(a_jobs), np.log1p(a_serv)

    df = pd.DataFrame({"unit": unit, "population": pop, "jobs_access": a_jobs, "services_access": a_serv})
    if cfg.aggregate == "population_weighted_mean":
        # empty units fall back to the plain mean of their origins
        df["_w"] = np.where(df.groupby("unit")["population"].transform("sum") > 0, pop, 1.0)
    else:
        df["_w"] = 1.0
    for col in ("jobs_access", "services_access"):
        df[col] = df[col] * df["_w"]
    g = df.groupby("unit", sort=False).agg(
        population=("population", "sum"), jobs_access=("jobs_access", "sum"),
        services_access=("services_access", "sum"), _w=("_w", "sum"),
    )
    for col in ("jobs_access", "services_access"):
        g[col] = g[col] / g["_w"]
    g = g.drop(columns="_w")
    mj, ms = g["jobs_access"].max(), g["services_access"].max()
    g["jobs_score"] = g["jobs_access"] / mj if mj > 0 else 0.0
    g["services_score"] = g["services_access"] / ms if ms > 0 else 0.0
    wsum = cfg.weight_jobs + cfg.weight_services
    combined = (cfg.weight_jobs * g["jobs_score"] + cfg.weight_services * g["services_score"]) / wsum
    top = combined.max()
    g["index"] = cfg.scale_max * combined / top if top > 0 else 0.0
    cuts = np.asarray(cfg.class_cuts)
    g["class"] = 1 + (g["index"].to_numpy()[:, None] < cuts[None, :]).sum(axis=1)
    out = g.reset_index().sort_values("index", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(
        {
            "measure": "centrality",
            "method": "SSB-style sentralitetsindeks after SSB Notater 2017/40 and 2020/4; "
            "decay, service counting, aggregation and class cuts are documented assumptions",
            "horizon_minutes": h,
            "weight_jobs": cfg.weight_jobs,
            "weight_services": cfg.weight_services,
            "jobs_decay": dict(cfg.jobs_decay),
            "services_decay": dict(cfg.services_decay),
            "services_mode": cfg.services_mode,
            "aggregate": cfg.aggregate,
            "class_cuts": list(cfg.class_cuts),
        }
    )
    return out
