"""Parameters of the regionalisation methods, read from ``defaults.toml`` or a user TOML file.

Every threshold of :mod:`geoaccess.regions` lives in these frozen dataclasses; the
defaults and their sources are documented in ``geoaccess/regions/defaults.toml``.
Shares are fractions (0–1), sizes are persons, travel times are minutes (the edge
of the library: kernels convert to seconds where needed).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from geoaccess.errors import InputError

__all__ = ["BAParams", "CentreProposal", "LMAParams", "RegionConfig", "TravelTimeParams", "load_config"]


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
    """Rules of the documented centre proposal (TØI's own criteria are not published)."""

    min_jobs: float = 8000.0
    min_job_ratio: float = 0.9
    max_out_share_to_centre: float = 0.08
    #: TØI's double centres in 2020-2023 and 2024 codes (see defaults.toml)
    double_centres: tuple[str, ...] = (
        "0301+3024", "1103+1108", "3004+3003", "3803+3811", "3807+3806",
        "0301+3201", "3107+3105", "3905+3911", "4003+4001",
    )  # fmt: skip

    def __post_init__(self) -> None:
        object.__setattr__(self, "double_centres", tuple(str(x) for x in self.double_centres))


@dataclass(frozen=True)
class BAParams:
    """Thresholds of the TØI-style BA rule cascade (shares 0–1, times in minutes)."""

    out_commuting_share: float = 0.08
    out_commuting_max_minutes: float = 75.0
    tt30_minutes: float = 30.0
    tt30_min_sum_commuting: float = 0.0
    tt45_minutes: float = 45.0
    tt45_min_sum_commuting: float = 0.06
    tt75_minutes: float = 75.0
    tt75_min_sum_commuting: float = 0.08
    alt_minutes: float = 90.0
    alt_min_sum_commuting: float = 0.08
    attach_to_restkommuner: bool = False
    tie_break: str = "commuting"
    contiguity_repair: bool = True
    adjacency_tolerance_m: float = 50.0
    centre_proposal: CentreProposal = field(default_factory=CentreProposal)

    def __post_init__(self) -> None:
        if self.tie_break not in {"commuting", "travel_time"}:
            msg = f"BA parameter tie_break must be 'commuting' or 'travel_time', got {self.tie_break!r}."
            raise InputError(msg)


@dataclass(frozen=True)
class TravelTimeParams:
    """Travel-time regions: nearest centre within ``max_minutes``."""

    max_minutes: float = 60.0
    tie_tolerance_minutes: float = 0.0


@dataclass(frozen=True)
class RegionConfig:
    """All regionalisation parameters."""

    lma: LMAParams = field(default_factory=LMAParams)
    ba: BAParams = field(default_factory=BAParams)
    traveltime: TravelTimeParams = field(default_factory=TravelTimeParams)

    def as_dict(self) -> dict[str, Any]:
        """Plain nested dict (for run metadata)."""
        return dataclasses.asdict(self)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(names)
    if unknown:
        msg = f"{where}: unknown parameters {sorted(unknown)}; known: {sorted(names)}."
        raise InputError(msg)
    kwargs = dict(values)
    if cls is BAParams and "centre_proposal" in kwargs:
        kwargs["centre_proposal"] = _build(CentreProposal, kwargs["centre_proposal"], f"{where}.centre_proposal")
    return cls(**kwargs)


def load_config(path: str | os.PathLike[str] | None = None) -> RegionConfig:
    """Read region parameters: the packaged defaults, overridden by a user TOML file.

    Parameters
    ----------
    path
        TOML with optional ``[lma]``, ``[ba]``, ``[ba.centre_proposal]`` and
        ``[traveltime]`` tables; keys as in ``defaults.toml``. ``None`` gives the defaults.
    """
    text = resources.files("geoaccess.regions").joinpath("defaults.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if path is not None:
        try:
            with open(path, "rb") as fh:
                user = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"Cannot read the region config {path}: {exc}"
            raise InputError(msg) from exc
        unknown = set(user) - {"lma", "ba", "traveltime"}
        if unknown:
            msg = f"{path}: unknown sections {sorted(unknown)}; use [lma], [ba], [traveltime]."
            raise InputError(msg)
        for sec, vals in user.items():
            merged = dict(data.get(sec, {}))
            for k, v in vals.items():
                if isinstance(v, dict) and isinstance(merged.get(k), dict):
                    merged[k] = {**merged[k], **v}
                else:
                    merged[k] = v
            data[sec] = merged
    where = str(path) if path is not None else "defaults.toml"
    return RegionConfig(
        lma=_build(LMAParams, data.get("lma", {}), f"{where} [lma]"),
        ba=_build(BAParams, data.get("ba", {}), f"{where} [ba]"),
        traveltime=_build(TravelTimeParams, data.get("traveltime", {}), f"{where} [traveltime]"),
    )
