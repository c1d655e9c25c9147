"""BA-regions (*bo- og arbeidsmarkedsregioner*) by a TØI-style rule cascade.

TØI (report 1713/2019, *Inndeling i BA-regioner 2020*) delineates 159 regions from
the 2020 municipalities with objective rules and publishes, per municipality, the
rule that placed it (*inkluderingsgrunnlag*). The rules, their order and the
choices not published are reconstructed in ``../shared/methods/ba-regions.md``;
this module implements that reconstruction with every threshold in
:class:`~geoaccess.regions.config.BAParams`:

====================  =================================================  ==========================================
rule                  inkluderingsgrunnlag (nb)                          inclusion basis (en)
====================  =================================================  ==========================================
``centre``            Senterkommune [sammen med X]                       Centre municipality [with X]
``out_commuting``     Utpendling > 8                                     Out-commuting > 8 %
``tt30``              Reisevei < 30                                      Travel time < 30 min
``tt45``              Reisevei < 45, sum pendling > 6                    Travel time < 45 min, commuting sum > 6 %
``tt75``              Reisevei < 75, sum pendling > 8                    Travel time < 75 min, commuting sum > 8 %
``alt90``             Reisetid < 90, alt. reisemåte, pendling > 8        < 90 min by another mode, commuting > 8 %
``contiguity``        Forhindre ikke-sammenhengende BA-region            Contiguity repair
``rest``              Restkommune, egen BA-region                        Leftover municipality, own region
====================  =================================================  ==========================================

(numbers in the labels follow the parameters actually used.)

Order: centres (given, or :func:`propose_centres`); out-commuting share to a centre
group (for a double centre, to the pair together); leftovers become
*restkommuner*; the travel-time rules attach leftovers to a centre in the order
above (first rule met wins); contiguity repair last.

Choices where the published record is silent (recorded in ``meta``):

* *Out-commuting share* = workers living in ``m`` and working in the centre group /
  employed residents of ``m`` (table 03321 row sums).
* *In-commuting share* = workers living in the centre group and working in ``m`` /
  jobs in ``m``. *Sum pendling* = out share + in share.
* Several centres qualify under the same rule: the strongest commuting sum wins
  (``tie_break="commuting"``), or the shortest travel time (``"travel_time"``);
  remaining ties go to the lower code.
* Travel time to a double centre = the shorter of the two. A pair missing from a
  given travel-time table counts as unreachable.
* Without a travel-time table the out-commuting rule has no distance cap and rules
  ``tt30``–``alt90`` are skipped; the output records that.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError
from geoaccess.regions.config import BAParams, CentreProposal

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["ba_regions", "commuting_shares", "propose_centres", "travel_time_array"]


def _pct(x: float) -> str:
    return f"{100 * x:g}"


def labels_for(p: BAParams) -> dict[str, tuple[str, str]]:
    """Norwegian and English labels of each rule code, with the thresholds of ``p``."""
    return {
        "centre": ("Senterkommune", "Centre municipality"),
        "out_commuting": (
            f"Utpendling > {_pct(p.out_commuting_share)}",
            f"Out-commuting > {_pct(p.out_commuting_share)} %",
        ),
        "tt30": (
            f"Reisevei < {p.tt30_minutes:g}"
            + (f", sum pendling > {_pct(p.tt30_min_sum_commuting)}" if p.tt30_min_sum_commuting > 0 else ""),
            f"Travel time < {p.tt30_minutes:g} min"
            + (f", commuting sum > {_pct(p.tt30_min_sum_commuting)} %" if p.tt30_min_sum_commuting > 0 else ""),
        ),
        "tt45": (
            f"Reisevei < {p.tt45_minutes:g}, sum pendling > {_pct(p.tt45_min_sum_commuting)}",
            f"Travel time < {p.tt45_minutes:g} min, commuting sum > {_pct(p.tt45_min_sum_commuting)} %",
        ),
        "tt75": (
            f"Reisevei < {p.tt75_minutes:g}, sum pendling > {_pct(p.tt75_min_sum_commuting)}",
            f"Travel time < {p.tt75_minutes:g} min, commuting sum > {_pct(p.tt75_min_sum_commuting)} %",
        ),
        "alt90": (
            f"Reisetid < {p.alt_minutes:g}, alt. reisemåte, pendling > {_pct(p.alt_min_sum_commuting)}",
            f"Travel time < {p.alt_minutes:g} min by another mode (ferry/boat), "
            f"commuting sum > {_pct(p.alt_min_sum_commuting)} %",
        ),
        "contiguity": ("Forhindre ikke-sammenhengende BA-region", "Contiguity repair (prevents a split region)"),
        "rest": ("Restkommune, egen BA-region", "Leftover municipality, own region"),
    }


def _groups(centres: Sequence[str | Sequence[str]], flows: FlowData) -> list[list[str]]:
    groups: list[list[str]] = []
    for c in centres:
        g = [s.strip() for s in c.split("+")] if isinstance(c, str) else [str(s) for s in c]
        g = [s.zfill(4) for s in g if s]
        if not g:
            continue
        groups.append(g)
    if not groups:
        msg = "ba_regions: the centre list is empty; give centres or let propose_centres() choose them."
        raise InputError(msg)
    flat = [c for g in groups for c in g]
    dup = sorted({c for c in flat if flat.count(c) > 1})
    if dup:
        msg = f"ba_regions: municipalities named in more than one centre: {', '.join(dup)}."
        raise InputError(msg)
    flows.index(flat, what="centre list")
    return groups


def commuting_shares(flows: FlowData, groups: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Out- and in-commuting shares of every zone towards each centre group.

    Returns
    -------
    out_share : numpy.ndarray, shape (n, g)
        Workers living in zone ``i`` and working in group ``k`` / employed residents of ``i``.
    in_share : numpy.ndarray, shape (n, g)
        Workers living in group ``k`` and working in zone ``i`` / jobs in ``i``.
    """
    import scipy.sparse as sp

    n, g = flows.n, len(groups)
    rows = np.concatenate([flows.index(gr) for gr in groups])
    cols = np.concatenate([np.full(len(gr), k) for k, gr in enumerate(groups)])
    ind = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, g))
    to_g = np.asarray((flows.matrix @ ind).todense()) if g else np.zeros((n, 0))
    from_g = np.asarray((flows.matrix.T @ ind).todense()) if g else np.zeros((n, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        out_share = np.where(flows.residents[:, None] > 0, to_g / flows.residents[:, None], 0.0)
        in_share = np.where(flows.jobs[:, None] > 0, from_g / flows.jobs[:, None], 0.0)
    return out_share, in_share


def travel_time_array(
    times: pd.DataFrame,
    flows: FlowData,
    groups: list[list[str]],
    *,
    what: str = "travel times",
) -> np.ndarray:
    """Minutes from every zone to every centre group (shorter of a double centre); inf if absent.

    Parameters
    ----------
    times
        ``origin``, ``destination``, ``minutes`` (municipality codes; origin = the
        municipality, destination = a centre); the engine's ``origin_id``/``destination_id``
        table is accepted. NaN minutes are unreachable; negative minutes raise.
    """
    from geoaccess.regions.traveltime import normalise_travel_times

    t = normalise_travel_times(times, what=what)
    mins = t["minutes"]
    pos = {c: i for i, c in enumerate(flows.codes)}
    member = {c: k for k, gr in enumerate(groups) for c in gr}
    out = np.full((flows.n, len(groups)), np.inf)
    oi = t["origin"].map(pos)
    gk = t["destination"].map(member)
    ok = oi.notna() & gk.notna()
    np.minimum.at(out, (oi[ok].astype(int).to_numpy(), gk[ok].astype(int).to_numpy()), mins[ok].to_numpy())
    for k, gr in enumerate(groups):
        out[flows.index(gr), k] = 0.0
    return out


def propose_centres(flows: FlowData, params: CentreProposal | None = None) -> list[str]:
    """Propose centre municipalities from job size and commuting (a documented heuristic).

    Candidates, largest job count first, need ``jobs >= min_jobs`` and
    ``jobs / employed residents >= min_job_ratio``; a candidate sending more than
    ``max_out_share_to_centre`` of its employed residents to an already accepted
    centre is not a centre (it will be attached to that centre instead). TØI's own
    criteria are not published; give centres explicitly to reproduce a division.

    Double centres listed in ``params.double_centres`` (``"main+partner"``) are formed
    when either municipality is proposed and both are in the flows; the pair takes the
    place of the better-ranked one. The result holds ``"a+b"`` strings for those pairs.
    """
    p = params or CentreProposal()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(flows.residents > 0, flows.jobs / flows.residents, 0.0)
    order = np.lexsort((flows.codes.astype(str), -flows.jobs))
    m = flows.matrix.tocsr()
    accepted: list[int] = []
    for i in order:
        if flows.jobs[i] < p.min_jobs or ratio[i] < p.min_job_ratio:
            continue
        if accepted and flows.residents[i] > 0:
            row = m[[i], :].toarray().ravel()
            if (row[accepted] / flows.residents[i]).max() > p.max_out_share_to_centre:
                continue
        accepted.append(int(i))
    out = [str(flows.codes[i]) for i in accepted]
    present = set(map(str, flows.codes))
    for pair in p.double_centres:
        main, _, partner = pair.partition("+")
        if main == partner or main not in present or partner not in present:
            continue
        if any(main in c.split("+") or partner in c.split("+") for c in out if "+" in c):
            continue  # already paired
        hits = [k for k, c in enumerate(out) if c in (main, partner)]
        if hits:
            first = hits[0]
            out[first] = f"{main}+{partner}"
            out = [c for k, c in enumerate(out) if k == first or c not in (main, partner)]
    return out


def _pick(cands: np.ndarray, strength: np.ndarray, tt: np.ndarray, tie_break: str) -> int:
    """Choose among candidate group indices: strongest link or shortest time, then lowest index."""
    if tie_break == "travel_time":
        keys = (cands, -strength[cands], tt[cands])
    else:
        keys = (cands, tt[cands], -strength[cands])
    return int(cands[np.lexsort(keys)[0]])


def ba_regions(
    flows: FlowData | pd.DataFrame,
    *,
    centres: Sequence[str | Sequence[str]] | None = None,
    travel_times: pd.DataFrame | None = None,
    alt_travel_times: pd.DataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    params: BAParams | None = None,
) -> Regionalisation:
    """Delineate BA-regions with the TØI-style rule cascade.

    Parameters
    ----------
    flows
        Commuting flows (FlowData or flow table), municipality codes of one year.
    centres
        Centre municipalities; a double centre as ``"0301+3024"`` or a pair. ``None``
        uses :func:`propose_centres`.
    travel_times
        Optional ``origin, destination, minutes`` by car (or the main mode) from
        municipalities to centres. Without it the travel-time rules are skipped.
    alt_travel_times
        Optional table of the same form by another mode (ferry, boat) for ``alt90``.
    boundaries
        Optional municipality polygons of the same division for the contiguity repair.
    params
        Thresholds; :class:`BAParams` defaults.

    Returns
    -------
    Regionalisation
        Membership with ``region`` (main centre's code, or the restkommune's own),
        ``centre`` (``+``-joined codes of the centre group, empty for restkommuner),
        ``rule``, ``inkluderingsgrunnlag``, ``inclusion_basis``, ``minutes_to_centre``
        (NaN when unknown), ``out_share``, ``sum_share`` (towards the chosen centre),
        and the self-containment columns. ``meta["skipped_rules"]`` lists rules not
        applied with the reason.
    """
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation, membership_columns

    p = params or BAParams()
    fd = flows if isinstance(flows, FlowData) else FlowData.from_table(flows)
    t0 = time.perf_counter()
    proposed = centres is None
    groups = _groups(propose_centres(fd, p.centre_proposal) if proposed else centres, fd)
    n, g = fd.n, len(groups)
    out_s, in_s = commuting_shares(fd, groups)
    sum_s = out_s + in_s
    has_tt = travel_times is not None
    tt = travel_time_array(travel_times, fd, groups) if has_tt else np.full((n, g), np.inf)
    alt = (
        travel_time_array(alt_travel_times, fd, groups, what="alternative-mode travel times")
        if alt_travel_times is not None
        else None
    )
    if has_tt:
        check_tt = np.isinf(tt).all(axis=1)
        n_unknown = int(check_tt.sum())
    else:
        n_unknown = n

    group_of = np.full(n, -1)  # centre group of the zone's region (-1 = restkommune)
    rule = np.array(["rest"] * n, dtype=object)
    for k, gr in enumerate(groups):
        idx = fd.index(gr)
        group_of[idx] = k
        rule[idx] = "centre"
    skipped: list[dict[str, str]] = []

    # rule 2: out-commuting share to a centre group (within the time cap when times are known)
    free = group_of < 0
    ok = out_s > p.out_commuting_share
    if has_tt:
        ok &= tt <= p.out_commuting_max_minutes
    for i in np.where(free & ok.any(axis=1))[0]:
        k = _pick(np.where(ok[i])[0], sum_s[i], tt[i], p.tie_break)
        group_of[i] = k
        rule[i] = "out_commuting"

    # rules 3-6: travel time combined with commuting, for the leftovers
    tt_rules = [
        ("tt30", tt, p.tt30_minutes, p.tt30_min_sum_commuting),
        ("tt45", tt, p.tt45_minutes, p.tt45_min_sum_commuting),
        ("tt75", tt, p.tt75_minutes, p.tt75_min_sum_commuting),
        ("alt90", alt, p.alt_minutes, p.alt_min_sum_commuting),
    ]
    rest_anchor = np.full(n, -1)  # with attach_to_restkommuner: zone index of the restkommune joined
    if not has_tt:
        skipped += [{"rule": r[0], "reason": "no travel-time table given"} for r in tt_rules[:3]]
        skipped.append(
            {
                "rule": "out_commuting time cap",
                "reason": "no travel-time table given; share rule applied without distance cap",
            }
        )
    if alt is None:
        skipped.append({"rule": "alt90", "reason": "no alternative-mode (ferry/boat) travel-time table given"})
    for name, table, limit, min_sum in tt_rules:
        if table is None or (name != "alt90" and not has_tt):
            continue
        for i in np.where(group_of < 0)[0]:
            if rule[i] != "rest":
                continue
            ok_i = (table[i] < limit) & (sum_s[i] > min_sum if min_sum > 0 else True)
            if ok_i.any():
                k = _pick(np.where(ok_i)[0], sum_s[i], table[i], p.tie_break)
                group_of[i] = k
                rule[i] = name
    if p.attach_to_restkommuner and has_tt:
        _attach_leftovers(fd, travel_times, rule, group_of, rest_anchor, p)

    # region ids
    region = np.empty(n, dtype=object)
    centre = np.empty(n, dtype=object)
    for i in range(n):
        if group_of[i] >= 0:
            region[i] = groups[group_of[i]][0]
            centre[i] = "+".join(groups[group_of[i]])
        elif rest_anchor[i] >= 0:
            root = rest_anchor[i]
            while rest_anchor[root] >= 0:  # anchors attached later to a larger restkommune
                root = rest_anchor[root]
            region[i] = fd.codes[root]
            centre[i] = ""
        else:
            region[i] = fd.codes[i]
            centre[i] = ""

    # rule 7: contiguity repair
    n_repaired = 0
    if p.contiguity_repair and boundaries is not None:
        n_repaired = _contiguity_repair(fd, boundaries, region, rule, centre, sum_s, group_of, groups, p)
    elif p.contiguity_repair:
        skipped.append({"rule": "contiguity", "reason": "no boundaries given"})

    lab = labels_for(p)
    nb = []
    en = []
    for i in range(n):
        a, b = lab[rule[i]]
        if rule[i] == "centre" and len(groups[group_of[i]]) > 1:
            others = [c for c in groups[group_of[i]] if c != fd.codes[i]]
            a += " sammen med " + ", ".join(others)
            b += " with " + ", ".join(others)
        nb.append(a)
        en.append(b)
    k_idx = np.where(group_of >= 0, group_of, 0)
    rows = np.arange(n)
    chosen = group_of >= 0
    minutes = np.where(chosen & has_tt, tt[rows, k_idx], np.nan)
    minutes = np.where(np.isinf(minutes), np.nan, minutes)
    mem = pd.DataFrame(
        {
            "kommunenummer": fd.codes,
            "region": region,
            "centre": centre,
            "rule": rule.astype(str),
            "inkluderingsgrunnlag": nb,
            "inclusion_basis": en,
            "minutes_to_centre": minutes,
            "out_share": np.where(chosen, out_s[rows, k_idx], np.nan),
            "sum_share": np.where(chosen, sum_s[rows, k_idx], np.nan),
            **membership_columns(fd, region),
        }
    )
    counts = mem["rule"].value_counts().to_dict()
    return Regionalisation(
        membership=mem,
        method="ba",
        meta={
            "method": "TØI-style BA rule cascade (reconstruction of TØI report 1713/2019)",
            "params": {k: v for k, v in p.__dict__.items() if k != "centre_proposal"},
            "centres": ["+".join(gr) for gr in groups],
            "centres_proposed": proposed,
            "centre_proposal": p.centre_proposal.__dict__ if proposed else None,
            "skipped_rules": skipped,
            "zones_without_travel_time": n_unknown,
            "rule_counts": {str(k): int(v) for k, v in counts.items()},
            "contiguity_repairs": n_repaired,
            "denominators": {
                "out_share": "workers living in m and working in the centre group / employed residents of m (row sum)",
                "in_share": "workers living in the centre group and working in m / jobs in m (column sum)",
                "sum_share": "out_share + in_share",
                "travel_time": "minutes from m to the nearer municipality of the centre group, as given",
            },
            "seconds": time.perf_counter() - t0,
            "year": fd.year,
        },
    )


def _attach_leftovers(
    fd: FlowData,
    times: pd.DataFrame,
    rule: np.ndarray,
    group_of: np.ndarray,
    rest_anchor: np.ndarray,
    p: BAParams,
) -> None:
    """Inferred variant: attach a restkommune to a larger restkommune by rules tt30–tt75."""
    rest = np.where((group_of < 0) & (rule == "rest"))[0]
    if len(rest) < 2:
        return
    codes = fd.codes
    heads = [[str(codes[i])] for i in rest]
    tt = travel_time_array(times, fd, heads)
    out_s, in_s = commuting_shares(fd, heads)
    sum_s = out_s + in_s
    order = rest[np.argsort(fd.jobs[rest], kind="mergesort")]
    col = {int(z): k for k, z in enumerate(rest)}
    for i in order:
        if rest_anchor[i] >= 0:
            continue
        # anchors: larger restkommuner that are themselves still heads
        cand = np.array([col[int(z)] for z in rest if fd.jobs[z] > fd.jobs[i] and rest_anchor[z] < 0], dtype=np.int64)
        if len(cand) == 0:
            continue
        for name, limit, min_sum in (
            ("tt30", p.tt30_minutes, p.tt30_min_sum_commuting),
            ("tt45", p.tt45_minutes, p.tt45_min_sum_commuting),
            ("tt75", p.tt75_minutes, p.tt75_min_sum_commuting),
        ):
            ok = (tt[i, cand] < limit) & ((sum_s[i, cand] > min_sum) if min_sum > 0 else True)
            if ok.any():
                k = _pick(cand[ok], sum_s[i], tt[i], p.tie_break)
                rest_anchor[i] = rest[k]
                rule[i] = name
                break


def _contiguity_repair(
    fd: FlowData,
    boundaries: gpd.GeoDataFrame,
    region: np.ndarray,
    rule: np.ndarray,
    centre: np.ndarray,
    sum_s: np.ndarray,
    group_of: np.ndarray,
    groups: list[list[str]],
    p: BAParams,
) -> int:
    """Add a restkommune lying between two parts of one region to that region; return the count."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from geoaccess.layers.boundaries import adjacency

    missing = sorted(set(fd.codes) - set(boundaries["kommunenummer"]))
    if missing:
        msg = (
            f"contiguity repair: {len(missing)} municipalities of the flows have no boundary polygon "
            f"(e.g. {', '.join(missing[:5])}); give boundaries of the same year as the flow codes."
        )
        raise InputError(msg)
    b = boundaries.set_index("kommunenummer").loc[list(fd.codes)].reset_index()
    _, adj = adjacency(b, tolerance=p.adjacency_tolerance_m)
    adj = adj.tocsr()
    centre_group = {groups[k][0]: k for k in range(len(groups))}
    repaired = 0
    for _ in range(fd.n):
        coo = adj.tocoo()
        same = region[coo.row] == region[coo.col]
        a = sp.csr_array((np.ones(int(same.sum())), (coo.row[same], coo.col[same])), shape=adj.shape)
        _, comp = connected_components(a, directed=False)
        changed = False
        for i in np.where(rule == "rest")[0]:
            if region[i] != fd.codes[i] or (region == region[i]).sum() > 1:
                continue  # only singleton restkommuner are moved
            nbrs = adj.indices[adj.indptr[i] : adj.indptr[i + 1]]
            best = None
            for r in set(region[nbrs]) - {region[i]}:
                if r not in centre_group:
                    continue
                parts = {int(comp[j]) for j in nbrs if region[j] == r}
                if len(parts) >= 2:
                    k = centre_group[r]
                    s = sum_s[i, k]
                    if best is None or s > best[0]:
                        best = (s, r, k)
            if best is not None:
                _, r, k = best
                region[i] = r
                centre[i] = "+".join(groups[k])
                group_of[i] = k
                rule[i] = "contiguity"
                repaired += 1
                changed = True
                break
        if not changed:
            break
    return repaired
