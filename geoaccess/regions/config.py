"""Parameters of the regionalisation methods: packaged defaults, named presets and user TOML files.

Every threshold and every choice of :mod:`geoaccess.regions` lives in these frozen
dataclasses; the defaults and their sources are documented in
``geoaccess/regions/defaults.toml``, the named presets in ``geoaccess/regions/presets/``.
Shares are fractions (0–1), sizes are persons, travel times are minutes (the edge
of the library: kernels convert to seconds where needed).

Loading is strict: an unknown section or key is an error naming it and the allowed
ones; a value of the wrong kind is an error naming the key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from geoaccess.config import check_keys
from geoaccess.errors import InputError

__all__ = [
    "CONDITIONS",
    "IN_SHARES",
    "PRESETS",
    "TIE_BREAKS",
    "BAParams",
    "CentreProposal",
    "LMAParams",
    "RegionConfig",
    "TravelRule",
    "TravelTimeParams",
    "load_config",
    "preset_names",
]

#: Commuting condition of a travel-time rule (see :class:`TravelRule`).
CONDITIONS = ("none", "out_share", "sum_share", "main_destination")
#: Definitions of the in-commuting share (numerator / denominator in :mod:`geoaccess.regions.shares`).
IN_SHARES = ("municipality_jobs", "centre_jobs", "centre_residents")
#: Rules for choosing among several qualifying centres.
TIE_BREAKS = ("out_share", "sum_share", "travel_time")
#: Travel-time rules of the cascade, in order.
RULES = ("tt30", "tt45", "tt75", "alt90")


def preset_names() -> list[str]:
    """Names of the packaged presets (``geoaccess/regions/presets/<name>.toml``)."""
    folder = resources.files("geoaccess.regions").joinpath("presets")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


#: Packaged presets (files in ``geoaccess/regions/presets/``; :func:`preset_names` lists them).
PRESETS = ("toi2019",)


def _check_share(value: float, name: str) -> None:
    if not 0.0 <= float(value) <= 1.0:
        msg = f"BA parameter {name} must be a share between 0 and 1, got {value!r}."
        raise InputError(msg)


def _check_choice(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        msg = f"Parameter {name} must be one of {', '.join(allowed)}; got {value!r}."
        raise InputError(msg)


@dataclass(frozen=True)
class LMAParams:
    """Eurostat/Coombes TTWA validity parameters (UK 2011 set by default).

    Attributes
    ----------
    min_self_containment
        Minimum self-containment (0–1) accepted for areas of ``target_size`` or more.
    target_self_containment
        Self-containment (0–1) required of an area of ``min_size``.
    min_size
        Minimum number of employed residents of an area (persons).
    target_size
        Size (persons) from which ``min_self_containment`` suffices.
    """

    min_self_containment: float = 0.667
    target_self_containment: float = 0.75
    min_size: float = 3500.0
    target_size: float = 25000.0

    def __post_init__(self) -> None:
        if not 0 < self.min_self_containment <= self.target_self_containment <= 1:
            msg = (
                "LMA parameters need 0 < min_self_containment <= target_self_containment <= 1, got "
                f"{self.min_self_containment} and {self.target_self_containment}."
            )
            raise InputError(msg)
        if not 0 <= self.min_size <= self.target_size:
            msg = f"LMA parameters need 0 <= min_size <= target_size, got {self.min_size} and {self.target_size}."
            raise InputError(msg)


@dataclass(frozen=True)
class CentreProposal:
    """The documented centre proposal from data (TØI's own criteria are not published).

    Candidates, largest job count first, need ``jobs >= min_jobs``, a job ratio
    (jobs / employed residents, i.e. net in-commuting of at least
    ``min_job_ratio - 1`` of the employed residents) of ``min_job_ratio`` or more, and
    a largest town of ``min_town_population`` residents or more. A candidate sending
    more than ``max_out_share_to_centre`` of its employed residents to an accepted
    centre is no centre. Towns are clusters of populated 250 m cells (SSB 2015 grid):
    cells with at least ``town_min_cell_population`` residents, linked when at most
    ``town_link_cells`` cells apart (1 = touching, 2 = one empty cell bridged). An
    accepted centre forms a double centre with the municipality holding the largest
    other part of its largest town when that part has at least
    ``pair_min_town_share`` of the town and ``pair_min_town_population`` residents.
    ``double_centres`` (``"main+partner"``) are formed in addition when either member
    is proposed.

    Attributes
    ----------
    min_jobs
        Jobs located in the municipality (persons, 03321 column sum).
    min_job_ratio
        Jobs / employed residents.
    min_town_population
        Residents of the municipality's largest town part (2015 grid, persons).
    max_out_share_to_centre
        Out-commuting share (0–1) to an accepted centre that disqualifies a candidate.
    town_min_cell_population
        Residents a 250 m cell needs to belong to a town (persons).
    town_link_cells
        Largest gap, in cells, between two cells of one town (Chebyshev distance).
    pair_min_town_share
        Share (0–1) of the shared town the partner must hold.
    pair_min_town_population
        Residents of the shared town the partner must hold (persons).
    double_centres
        Pairs always formed when either member is proposed (codes of the flows' year).
    """

    min_jobs: float = 3000.0
    min_job_ratio: float = 0.9
    min_town_population: float = 2000.0
    max_out_share_to_centre: float = 0.08
    town_min_cell_population: float = 20.0
    town_link_cells: int = 2
    pair_min_town_share: float = 0.10
    pair_min_town_population: float = 15000.0
    #: TØI's five published double centres in 2018-2019, 2020-2023 and 2024 codes (see defaults.toml)
    double_centres: tuple[str, ...] = (
        "0301+0219", "1103+1102", "0106+0105", "0704+0729", "0806+0805",
        "0301+3024", "1103+1108", "3004+3003", "3803+3811", "3807+3806",
        "0301+3201", "3107+3105", "3905+3911", "4003+4001",
    )  # fmt: skip

    def __post_init__(self) -> None:
        object.__setattr__(self, "double_centres", tuple(str(x) for x in self.double_centres))
        _check_share(self.max_out_share_to_centre, "centre_proposal.max_out_share_to_centre")
        _check_share(self.pair_min_town_share, "centre_proposal.pair_min_town_share")
        if int(self.town_link_cells) < 1:
            msg = f"centre_proposal.town_link_cells must be 1 or more, got {self.town_link_cells}."
            raise InputError(msg)
        for pair in self.double_centres:
            parts = pair.split("+")
            if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
                msg = f"centre_proposal.double_centres: {pair!r} is not a pair of codes like '0301+3024'."
                raise InputError(msg)


@dataclass(frozen=True)
class TravelRule:
    """One travel-time rule of the BA cascade: travel time below ``max_minutes`` and a commuting condition.

    Attributes
    ----------
    max_minutes
        Travel time limit (strictly below), minutes.
    condition
        ``"none"`` (time alone), ``"out_share"`` (out-commuting share > ``min_share``),
        ``"sum_share"`` (out + in share > ``min_share``), ``"main_destination"`` (the
        centre is the municipality's largest commuting destination; no threshold).
    min_share
        Threshold of the share conditions (0–1).
    mode
        ``"car"``: the main travel-time table; ``"boat"``: the other-mode table (ferry,
        passenger boat) of rule ``alt90``.
    """

    max_minutes: float
    condition: str = "sum_share"
    min_share: float = 0.0
    mode: str = "car"

    def __post_init__(self) -> None:
        _check_choice(self.condition, CONDITIONS, "condition")
        _check_choice(self.mode, ("car", "boat"), "mode")
        _check_share(self.min_share, "min_share")
        if not float(self.max_minutes) > 0:
            msg = f"A travel-time rule needs max_minutes > 0, got {self.max_minutes}."
            raise InputError(msg)


@dataclass(frozen=True)
class BAParams:
    """Thresholds and choices of the TØI-style BA rule cascade (shares 0–1, times in minutes).

    See ``defaults.toml`` for the meaning and source of each value and
    ``docs/regions.md`` for the readings of the published method.
    """

    out_commuting_share: float = 0.08
    out_commuting_max_minutes: float = 75.0
    tt30: TravelRule = field(default_factory=lambda: TravelRule(30.0, "main_destination", 0.0))
    tt45: TravelRule = field(default_factory=lambda: TravelRule(45.0, "sum_share", 0.06))
    tt75: TravelRule = field(default_factory=lambda: TravelRule(75.0, "sum_share", 0.08))
    alt90: TravelRule = field(default_factory=lambda: TravelRule(90.0, "sum_share", 0.08, "boat"))
    in_share: str = "municipality_jobs"
    group_minutes: str = "nearest"
    tie_break: str = "out_share"
    attach_to_restkommuner: bool = True
    restkommune_rules: tuple[str, ...] = RULES
    contiguity_repair: bool = True
    adjacency_tolerance_m: float = 50.0
    centre_proposal: CentreProposal = field(default_factory=CentreProposal)

    def __post_init__(self) -> None:
        object.__setattr__(self, "restkommune_rules", tuple(str(r) for r in self.restkommune_rules))
        _check_share(self.out_commuting_share, "out_commuting_share")
        _check_choice(self.in_share, IN_SHARES, "in_share")
        _check_choice(self.tie_break, TIE_BREAKS, "tie_break")
        _check_choice(self.group_minutes, ("nearest", "main"), "group_minutes")
        for r in self.restkommune_rules:
            _check_choice(r, RULES, "restkommune_rules")
        if self.alt90.mode != "boat" or any(self.rule(r).mode != "car" for r in RULES[:3]):
            msg = "BA parameters: rules tt30, tt45 and tt75 use mode 'car', rule alt90 mode 'boat'."
            raise InputError(msg)

    def rule(self, name: str) -> TravelRule:
        """The travel-time rule ``name`` (``tt30``, ``tt45``, ``tt75`` or ``alt90``)."""
        return getattr(self, name)


@dataclass(frozen=True)
class TravelTimeParams:
    """Travel-time regions: nearest centre within ``max_minutes``."""

    max_minutes: float = 60.0
    tie_tolerance_minutes: float = 0.0


@dataclass(frozen=True)
class RegionConfig:
    """All regionalisation parameters, and the preset they came from."""

    lma: LMAParams = field(default_factory=LMAParams)
    ba: BAParams = field(default_factory=BAParams)
    traveltime: TravelTimeParams = field(default_factory=TravelTimeParams)
    preset: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain nested dict (for run metadata)."""
        return dataclasses.asdict(self)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    """Build ``cls`` from a TOML table, strictly: unknown keys and values of the wrong kind raise."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if not isinstance(values, dict):
        msg = f"{where}: expected a table of keys, got {values!r}."
        raise InputError(msg)
    check_keys(values, fields, where=where)
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        f = fields[name]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        key = f"{where}.{name}"
        if dataclasses.is_dataclass(default) and not isinstance(default, type):
            base = dataclasses.asdict(default) if isinstance(value, dict) else {}
            kwargs[name] = _build(type(default), {**base, **value} if isinstance(value, dict) else value, key)
            continue
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float) and default is not dataclasses.MISSING:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif isinstance(default, str) or default is None:
            ok = isinstance(value, str) or (default is None and value is None)
        elif isinstance(default, tuple):
            ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else value
        else:
            ok = True
        if not ok:
            msg = f"{key}: {value!r} is not of the kind of the default ({type(default).__name__}, e.g. {default!r})."
            raise InputError(msg)
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field (TravelRule.max_minutes) missing
        msg = f"{where}: {exc}"
        raise InputError(msg) from exc


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"Cannot read the region config {path}: {exc}"
        raise InputError(msg) from exc


def _merge(base: dict[str, Any], over: dict[str, Any], where: str) -> dict[str, Any]:
    check_keys(over, ("lma", "ba", "traveltime"), where=where, what="section")
    out = {k: dict(v) for k, v in base.items()}
    for sec, vals in over.items():
        merged = dict(out.get(sec, {}))
        for k, v in vals.items():
            if isinstance(v, dict) and isinstance(merged.get(k), dict):
                merged[k] = {**merged[k], **v}
            else:
                merged[k] = v
        out[sec] = merged
    return out


def load_config(path: str | os.PathLike[str] | None = None, *, preset: str | None = None) -> RegionConfig:
    """Read region parameters: packaged defaults, then a named preset, then a user TOML file.

    Parameters
    ----------
    path
        TOML with optional ``[lma]``, ``[ba]`` (with sub-tables ``[ba.tt30]``,
        ``[ba.tt45]``, ``[ba.tt75]``, ``[ba.alt90]``, ``[ba.centre_proposal]``) and
        ``[traveltime]``; keys as in ``defaults.toml``. ``None``: no user file.
    preset
        A packaged preset (:func:`preset_names`, e.g. ``"toi2019"``) applied before
        ``path``.

    Raises
    ------
    InputError
        Unreadable file, unknown preset, section or key (named, with the allowed
        ones), or a value of the wrong kind.
    """
    pkg = resources.files("geoaccess.regions")
    data = tomllib.loads(pkg.joinpath("defaults.toml").read_text(encoding="utf-8"))
    where = "defaults.toml"
    if preset is not None:
        names = preset_names()
        if preset not in names:
            msg = f"Unknown region preset {preset!r}; available presets: {', '.join(names)}."
            raise InputError(msg)
        text = pkg.joinpath("presets", f"{preset}.toml").read_text(encoding="utf-8")
        where = f"preset {preset}"
        data = _merge(data, tomllib.loads(text), where)
    if path is not None:
        where = str(path)
        data = _merge(data, _read_toml(path), where)
    return RegionConfig(
        lma=_build(LMAParams, data.get("lma", {}), f"{where} [lma]"),
        ba=_build(BAParams, data.get("ba", {}), f"{where} [ba]"),
        traveltime=_build(TravelTimeParams, data.get("traveltime", {}), f"{where} [traveltime]"),
        preset=preset,
    )
