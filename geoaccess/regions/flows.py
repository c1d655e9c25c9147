"""Commuting flows prepared for regionalisation, and the result type shared by all methods.

:class:`FlowData` holds a residence × workplace matrix in CSR form with the zone
codes, employed residents (row sums) and jobs (column sums). :class:`Regionalisation`
is what every method returns: a membership table plus metadata recording the
parameters, the rules applied and the rules skipped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["FlowData", "Regionalisation"]


@dataclass(frozen=True)
class FlowData:
    """Residence × workplace commuting matrix.

    Attributes
    ----------
    codes
        Zone codes (object array of str), the row/column order.
    matrix
        ``scipy.sparse.csr_array`` (float64): ``matrix[i, j]`` = workers living in
        zone ``i`` and working in zone ``j``.
    residents
        Employed residents per zone (row sums), persons.
    jobs
        Jobs per zone (column sums), persons.
    year
        Year of the codes, if known.
    """

    codes: np.ndarray
    matrix: Any
    residents: np.ndarray
    jobs: np.ndarray
    year: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of zones."""
        return len(self.codes)

    def index(self, codes: Any, *, what: str = "codes") -> np.ndarray:
        """Positions of ``codes`` in :attr:`codes`; raises naming any code absent from the flows."""
        import numpy as np

        pos = {c: i for i, c in enumerate(self.codes)}
        wanted = [str(c) for c in codes]
        missing = [c for c in wanted if c not in pos]
        if missing:
            msg = (
                f"{what}: {len(missing)} municipalities are absent from the commuting flows "
                f"(e.g. {', '.join(missing[:10])}); check that the codes are of the same year as the flows "
                f"({self.year if self.year is not None else 'unknown'})."
            )
            raise InputError(msg)
        return np.array([pos[c] for c in wanted], dtype=np.int64)

    @classmethod
    def from_table(
        cls,
        flows: pd.DataFrame,
        *,
        codes: Any = None,
        year: int | None = None,
        check_year: bool = True,
    ) -> FlowData:
        """Build from a flow table (``origin``, ``destination``, ``workers``).

        Parameters
        ----------
        flows
            Tidy flows, e.g. from :func:`geoaccess.layers.commuting.read_03321`.
        codes
            Full zone list (e.g. all municipalities of the year); zones without any
            flow are kept as zero-worker zones. Defaults to ``flows.attrs["codes"]``
            (every code of the input file) or the codes in the flows.
        year
            Year of the codes; defaults to ``flows.attrs["year"]``.
        check_year
            Refuse codes not in force in ``year`` (the official change table, 1940-2034),
            naming them and the years they belong to; a code of the year before that is
            a plain renumbering (SSB's 2019 table lists 1567 Rindal, 5061 from 2019) is read
            as the year's code with a :class:`~geoaccess.errors.DataWarning`.

        Warns
        -----
        geoaccess.errors.DataWarning
            With the count of zero-worker zones (no employed residents and no jobs).
        """
        import numpy as np

        from geoaccess.layers.commuting import flow_matrix, validate_flows

        flows = validate_flows(flows) if not {"origin", "destination", "workers"} <= set(flows.columns) else flows
        if (flows["workers"] < 0).any():
            msg = f"flows: {int((flows['workers'] < 0).sum())} rows have negative workers."
            raise InputError(msg)
        if flows.duplicated(["origin", "destination"]).any():
            msg = f"flows: {int(flows.duplicated(['origin', 'destination']).sum())} duplicated origin-destination rows."
            raise InputError(msg)
        yr = year if year is not None else flows.attrs.get("year")
        if check_year and yr is not None:
            from geoaccess.layers.municipality_codes import rename_stale_codes

            given = () if codes is None else codes
            listed = set(flows["origin"]) | set(flows["destination"]) | set(map(str, given))
            listed |= set(map(str, flows.attrs.get("codes") or ()))
            ren = rename_stale_codes(listed, int(yr), what=str(flows.attrs.get("source", "flows")))
            if ren:
                attrs = dict(flows.attrs)
                flows = flows.assign(origin=flows["origin"].replace(ren), destination=flows["destination"].replace(ren))
                flows.attrs.update(attrs)
                flows.attrs["codes"] = sorted({ren.get(c, c) for c in attrs.get("codes") or ()})
                if codes is not None:
                    codes = sorted({ren.get(str(c), str(c)) for c in codes})
        if codes is None and flows.attrs.get("codes"):
            codes = list(flows.attrs["codes"])
        if codes is not None:
            codes = sorted({str(c) for c in codes} | set(flows["origin"]) | set(flows["destination"]))
        zone, m = flow_matrix(flows, codes=codes)
        residents = np.asarray(m.sum(axis=1)).ravel()
        jobs = np.asarray(m.sum(axis=0)).ravel()
        zero = (residents == 0) & (jobs == 0)
        if zero.any():
            warnings.warn(
                f"{int(zero.sum())} zones have no employed residents and no jobs "
                f"(e.g. {', '.join(zone[zero][:5])}); each is kept as its own region, flagged 'zero_workers'.",
                DataWarning,
                stacklevel=2,
            )
        return cls(codes=zone, matrix=m, residents=residents, jobs=jobs, year=None if yr is None else int(yr))

    def within(self, labels: np.ndarray) -> np.ndarray:
        """Flows inside each region: ``out[r]`` = workers living and working in region ``r``.

        ``labels`` are integer region indices ``0..k-1`` per zone.
        """
        import numpy as np

        coo = self.matrix.tocoo()
        same = labels[coo.row] == labels[coo.col]
        k = int(labels.max()) + 1 if len(labels) else 0
        return np.bincount(labels[coo.row[same]], weights=coo.data[same], minlength=k)


@dataclass
class Regionalisation:
    """Result of a regionalisation method.

    Attributes
    ----------
    membership
        One row per municipality (zone): ``kommunenummer``, ``region`` (region id,
        the code of its centre or largest member), ``rule`` (machine code),
        ``inkluderingsgrunnlag`` (Norwegian label), ``inclusion_basis`` (English),
        ``residents`` (employed residents), ``jobs``, ``sc_supply`` (share of the
        zone's employed residents working in its region), ``sc_demand`` (share of
        the zone's jobs held by residents of its region); NaN where undefined.
    method
        ``"lma"``, ``"ba"`` or ``"traveltime"``.
    meta
        Parameters, rules applied and skipped (with reasons), denominators, timings.
    """

    membership: pd.DataFrame
    method: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(self.membership["region"].nunique())

    def labels(self) -> pd.Series:
        """Region id per municipality code."""
        return self.membership.set_index("kommunenummer")["region"]


def membership_columns(flows: FlowData, region: np.ndarray) -> dict[str, np.ndarray]:
    """Per-zone ``residents``, ``jobs``, ``sc_supply``, ``sc_demand`` for region ids ``region``."""
    import numpy as np

    _, lab = np.unique(region, return_inverse=True)
    coo = flows.matrix.tocoo()
    same = lab[coo.row] == lab[coo.col]
    out_in = np.bincount(coo.row[same], weights=coo.data[same], minlength=flows.n)
    in_in = np.bincount(coo.col[same], weights=coo.data[same], minlength=flows.n)
    with np.errstate(invalid="ignore", divide="ignore"):
        sup = np.where(flows.residents > 0, out_in / flows.residents, np.nan)
        dem = np.where(flows.jobs > 0, in_in / flows.jobs, np.nan)
    return {"residents": flows.residents, "jobs": flows.jobs, "sc_supply": sup, "sc_demand": dem}
