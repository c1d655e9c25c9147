"""BA-regions (*bo- og arbeidsmarkedsregioner*) by a TØI-style rule cascade.

TØI (report 1713/2019, *Inndeling i BA-regioner 2020*) delineates 159 regions from
the 2020 municipalities with objective rules and publishes, per municipality, the
rule that placed it (*inkluderingsgrunnlag*). The rules, their order and the
choices not published are reconstructed in ``../shared/methods/ba-regions.md``;
this module implements that reconstruction with every threshold and every choice in
:class:`~geoaccess.regions.config.BAParams` (preset ``toi2019`` = our reading):

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

Order:

1. Centre groups (given, or :func:`~geoaccess.regions.centres.propose_centres`); a
   double centre is one group everywhere (shares towards the pair together, travel
   time to the nearer member).
2. ``out_commuting``: out-commuting share to a group above the threshold, within
   ``out_commuting_max_minutes`` when travel times are known.
3. The leftovers are *restkommuner*.
4. The travel-time rules ``tt30`` → ``tt45`` → ``tt75`` → ``alt90`` (the boat table)
   attach leftovers to a centre group; the first rule met wins. Each rule's
   commuting condition is configurable (``tt30``'s reading: the centre is the
   municipality's main commuting destination).
5. With ``attach_to_restkommuner``: the same rules attach a leftover to a restkommune,
   or pair two leftovers. Restkommuner are taken by job count, largest first; each
   joins the first (strongest) already standing restkommune it meets a rule towards,
   else stands as the anchor of its own region.
6. Contiguity repair: a restkommune standing alone whose neighbours include two
   separate parts of one region (a centre region or a restkommune region) joins it;
   among several such regions, the one with the strongest commuting link.

Ties among qualifying centres follow ``tie_break`` (``out_share``, ``sum_share`` or
``travel_time``), then the other measure, then the lower code.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.regions.centres import centre_proposal_table, format_groups, parse_centres
from geoaccess.regions.config import RULES, BAParams, TravelRule
from geoaccess.regions.shares import IN_SHARE_DEFINITIONS, OUT_SHARE_DEFINITION, commuting_shares, main_destination
from geoaccess.regions.travel_tables import group_minutes, groups_from_columns, minutes_array, normalise_travel_times

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation

__all__ = ["ba_regions", "describe_params", "labels_for", "travel_time_array"]

_CONDITION_TEXT = {
    "none": "travel time alone",
    "out_share": "out-commuting share > {s} %",
    "sum_share": "out + in share > {s} %",
    "main_destination": "the centre is the municipality's largest commuting destination",
}


def _pct(x: float) -> str:
    return f"{100 * x:g}"


def _rule_labels(name: str, r: TravelRule) -> tuple[str, str]:
    head_nb = "Reisetid" if r.mode == "boat" else "Reisevei"
    nb = f"{head_nb} < {r.max_minutes:g}" + (", alt. reisemåte" if r.mode == "boat" else "")
    en = f"Travel time < {r.max_minutes:g} min" + (" by another mode (ferry/boat)" if r.mode == "boat" else "")
    if r.condition == "sum_share":
        nb += f", {'pendling' if r.mode == 'boat' else 'sum pendling'} > {_pct(r.min_share)}"
        en += f", commuting sum > {_pct(r.min_share)} %"
    elif r.condition == "out_share":
        nb += f", utpendling > {_pct(r.min_share)}"
        en += f", out-commuting > {_pct(r.min_share)} %"
    elif r.condition == "main_destination" and name != "tt30":
        nb += ", største pendlingsmål"
        en += ", main commuting destination"
    return nb, en


def labels_for(p: BAParams) -> dict[str, tuple[str, str]]:
    """Norwegian and English labels of each rule code, with the thresholds of ``p``.

    The 30-minute rule keeps TØI's bare label ``Reisevei < 30`` whatever its
    condition; the condition used is recorded in the run metadata.
    """
    out = {
        "centre": ("Senterkommune", "Centre municipality"),
        "out_commuting": (
            f"Utpendling > {_pct(p.out_commuting_share)}",
            f"Out-commuting > {_pct(p.out_commuting_share)} %",
        ),
        "contiguity": ("Forhindre ikke-sammenhengende BA-region", "Contiguity repair (prevents a split region)"),
        "rest": ("Restkommune, egen BA-region", "Leftover municipality, own region"),
        "zero_workers": ("Ingen sysselsatte, egen region", "No employed residents or jobs, own region"),
    }
    for name in RULES:
        out[name] = _rule_labels(name, p.rule(name))
    return out


def describe_params(p: BAParams) -> dict[str, Any]:
    """Plain-language record of every choice of ``p`` (stored in the run metadata)."""
    rules = {}
    for name in RULES:
        r = p.rule(name)
        rules[name] = (
            f"{'boat/other-mode' if r.mode == 'boat' else 'car'} travel time < {r.max_minutes:g} min and "
            + _CONDITION_TEXT[r.condition].format(s=_pct(r.min_share))
        )
    return {
        "out_share": OUT_SHARE_DEFINITION,
        "in_share": f"{p.in_share}: {IN_SHARE_DEFINITIONS[p.in_share]}",
        "sum_share": "out_share + in_share",
        "main_destination": "the centre group receives at least as many of m's commuters as any other "
        "destination (other groups counted as one, other municipalities singly, m itself excluded)",
        "double_centre": "one centre group: shares towards the members together; travel time to the "
        + ("nearer member" if p.group_minutes == "nearest" else "main (first) member"),
        "out_commuting": f"out_share > {_pct(p.out_commuting_share)} % within {p.out_commuting_max_minutes:g} min "
        "(no time cap without a travel-time table)",
        "rules": rules,
        "tie_break": f"{p.tie_break}, then "
        + ("shorter travel time" if p.tie_break != "travel_time" else "larger out_share")
        + ", then the lower code",
        "restkommuner": (
            f"rules {', '.join(p.restkommune_rules)} may attach a leftover to a restkommune (largest job count first)"
            if p.attach_to_restkommuner
            else "restkommuner stay alone"
        ),
        "contiguity": "a lone restkommune between two parts of one region joins it (strongest commuting link)"
        if p.contiguity_repair
        else "off",
        "travel_time_origin": "as given in the table (municipality to municipality)",
    }


def travel_time_array(
    times: pd.DataFrame,
    flows: FlowData,
    groups: list[list[str]],
    *,
    what: str = "travel times",
    rule: str = "nearest",
) -> np.ndarray:
    """Minutes from every zone of the flows to every centre group; inf if absent (see :func:`group_minutes`)."""
    return group_minutes(normalise_travel_times(times, what=what), list(flows.codes), groups, rule=rule)


def _pick(cands: np.ndarray, out_s: np.ndarray, sum_s: np.ndarray, tt: np.ndarray, names: np.ndarray, tie: str) -> int:
    """Choose among candidate group indices by the tie rule, then the other measure, then the lower code."""
    if tie == "travel_time":
        keys = (names[cands], -out_s[cands], tt[cands])
    elif tie == "sum_share":
        keys = (names[cands], tt[cands], -sum_s[cands])
    else:
        keys = (names[cands], tt[cands], -out_s[cands])
    return int(cands[np.lexsort(keys)[0]])


def _condition(r: TravelRule, out_s: np.ndarray, sum_s: np.ndarray, main: np.ndarray | None) -> np.ndarray:
    if r.condition == "none":
        return np.ones(out_s.shape, dtype=bool)
    if r.condition == "out_share":
        return out_s > r.min_share
    if r.condition == "sum_share":
        return sum_s > r.min_share
    assert main is not None
    return main


class _Tables:
    """Travel-time tables of one run, their checks against the flows, and missing-pair counts."""

    def __init__(self, fd: FlowData, car: pd.DataFrame | None, boat: pd.DataFrame | None, p: BAParams) -> None:
        self.fd = fd
        self.p = p
        self.car = self._check(car, "travel times (car)")
        self.boat = self._check(boat, "travel times (boat)")
        codes = list(map(str, fd.codes))
        # dense municipality x municipality minutes, built once per table (inf where absent)
        self.dense = {
            mode: (None if t is None else minutes_array(t, codes, codes))
            for mode, t in (("car", self.car), ("boat", self.boat))
        }
        self.report: dict[str, Any] = {}

    def _check(self, t: pd.DataFrame | None, what: str) -> pd.DataFrame | None:
        if t is None:
            return None
        raw_unreach = int(t["minutes"].isna().sum()) if "minutes" in t.columns else 0
        src = str(t.attrs.get("source", what))
        t = normalise_travel_times(t, what=src)
        codes = set(map(str, self.fd.codes))
        foreign = sorted((set(t["origin"]) | set(t["destination"])) - codes)
        if foreign:
            msg = (
                f"{src}: {len(foreign)} codes are not municipalities of the flows ({self.fd.year or 'unknown year'}"
                f" codes), e.g. {', '.join(foreign[:8])}; give the table in the flows' codes (--year-codes recodes "
                "the flows, not the table)."
            )
            raise InputError(msg)
        t.attrs["source"] = src
        t.attrs["unreachable_rows"] = raw_unreach
        return t

    def table(self, mode: str) -> pd.DataFrame | None:
        return self.car if mode == "car" else self.boat

    def minutes(self, mode: str, groups: list[list[str]], *, purpose: str, rows: np.ndarray) -> np.ndarray | None:
        """Zone × group minutes (inf where unreachable), counting the pairs ``rows × groups`` missing."""
        t, dense = self.table(mode), self.dense[mode]
        if t is None or dense is None:
            return None
        codes = list(map(str, self.fd.codes))
        arr = groups_from_columns(dense, codes, codes, groups, rule=self.p.group_minutes)
        need = arr[rows]
        member = np.zeros(need.shape, dtype=bool)
        for k, g in enumerate(groups):
            member[:, k] = np.isin(self.fd.codes[rows], g)
        missing = int((~np.isfinite(need) & ~member).sum())
        key = f"{mode}:{purpose}"
        self.report[key] = {
            "source": t.attrs.get("source"),
            "pairs_needed": int((~member).sum()),
            "pairs_without_time": missing,
            "rows_with_nan_minutes": t.attrs.get("unreachable_rows", 0),
        }
        if missing and mode == "car":  # a boat table covers only the boat-connected pairs: recorded, not warned
            i, k = np.argwhere(~np.isfinite(need) & ~member)[0]
            warnings.warn(
                f"{t.attrs.get('source')}: {missing:,} of {int((~member).sum()):,} municipality -> "
                f"{'centre' if purpose == 'centres' else 'restkommune'} pairs have no travel time "
                f"(e.g. {self.fd.codes[rows][i]} -> {'+'.join(groups[k])}); they count as unreachable.",
                DataWarning,
                stacklevel=4,
            )
        return arr


def ba_regions(
    flows: FlowData | pd.DataFrame,
    *,
    centres: Sequence[str | Sequence[str]] | None = None,
    travel_times: pd.DataFrame | None = None,
    alt_travel_times: pd.DataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    towns: pd.DataFrame | None = None,
    params: BAParams | None = None,
) -> Regionalisation:
    """Delineate BA-regions with the TØI-style rule cascade.

    Parameters
    ----------
    flows
        Commuting flows (FlowData or flow table), municipality codes of one year.
    centres
        Centre groups: ``"0301+3024"`` strings or sequences of codes (a double centre
        is one group). ``None``: proposed from the data
        (:func:`~geoaccess.regions.centres.propose_centres`, with ``towns`` if given).
    travel_times
        ``origin, destination, minutes`` by car between municipalities (to the centres;
        among restkommuner too for the restkommune rules). Without it the travel-time
        rules are skipped (recorded). Pairs missing from the table count as
        unreachable (a :class:`~geoaccess.errors.DataWarning` counts them).
    alt_travel_times
        The same by the other mode (ferry, passenger boat) for rule ``alt90``.
    boundaries
        Municipality polygons of the same division, for the contiguity repair.
    towns
        Town parts (:func:`geoaccess.layers.towns.town_parts`) for the
        centre proposal; also reported beside given centres.
    params
        Thresholds and choices; :class:`~geoaccess.regions.config.BAParams` defaults.

    Returns
    -------
    Regionalisation
        Membership with ``kommunenummer``, ``region`` (main centre's code, or the
        anchoring restkommune's), ``region_type`` (``centre`` / ``restkommune``),
        ``centre`` (``+``-joined codes of the centre group, empty for restkommune
        regions), ``rule``, ``inkluderingsgrunnlag``, ``inclusion_basis``,
        ``minutes_to_centre`` (to the region's centre group or anchoring restkommune by
        the rule's mode; NaN when unknown), ``minutes_mode``, ``out_share``,
        ``in_share``, ``sum_share`` (towards the same), and the self-containment
        columns. ``meta`` records every parameter, its reading, the centres (and the
        proposal), the travel-time tables with their missing pairs, skipped rules and
        rule counts. ``meta["centre_proposal_table"]`` holds the proposal per
        municipality when it could be computed.
    """
    import pandas as pd

    from geoaccess.regions.flows import FlowData, Regionalisation, membership_columns

    p = params or BAParams()
    fd = flows if isinstance(flows, FlowData) else FlowData.from_table(flows)
    t0 = time.perf_counter()
    codes = np.asarray(fd.codes, dtype=object)
    n = fd.n
    proposal = centre_proposal_table(fd, p.centre_proposal, towns=towns)
    proposed = centres is None
    if centres is None:
        groups = [list(g) for g in proposal.attrs["groups"]]
    else:
        groups = parse_centres(centres)
    if not groups:
        msg = "ba_regions: the centre proposal found no centre; lower centre_proposal.min_jobs or give centres."
        raise InputError(msg)
    fd.index([c for g in groups for c in g], what="centre list")
    g_count = len(groups)
    gnames = np.array([g[0] for g in groups], dtype=str)
    out_s, in_s = commuting_shares(fd, groups, in_share=p.in_share)
    sum_s = out_s + in_s
    uses_main = any(p.rule(r).condition == "main_destination" for r in RULES)
    main = main_destination(fd, groups) if uses_main else None
    tables = _Tables(fd, travel_times, alt_travel_times, p)
    free_rows = np.flatnonzero(~np.isin(codes, [c for g in groups for c in g]))
    tt = tables.minutes("car", groups, purpose="centres", rows=free_rows)
    alt = tables.minutes("boat", groups, purpose="centres", rows=free_rows)
    has_tt = tt is not None
    tt_car: np.ndarray = tt if tt is not None else np.full((n, g_count), np.inf)

    group_of = np.full(n, -1)  # centre group of the zone's region (-1 = not a centre region)
    anchor = np.full(n, -1)  # restkommune region: zone index of the anchoring restkommune
    rule = np.array(["rest"] * n, dtype=object)
    mode_used = np.array(["car"] * n, dtype=object)
    zero = (fd.residents == 0) & (fd.jobs == 0)
    rule[zero] = "zero_workers"
    for k, gr in enumerate(groups):
        idx = fd.index(gr)
        group_of[idx] = k
        rule[idx] = "centre"
    skipped: list[dict[str, str]] = []

    # rule 2: out-commuting share to a centre group (within the time cap when times are known)
    ok = out_s > p.out_commuting_share
    if has_tt:
        ok &= tt_car <= p.out_commuting_max_minutes
    else:
        skipped.append(
            {"rule": "out_commuting time cap", "reason": "no travel-time table given; share rule applied uncapped"}
        )
    for i in np.flatnonzero((rule == "rest") & ok.any(axis=1)).tolist():
        group_of[i] = _pick(np.flatnonzero(ok[i]), out_s[i], sum_s[i], tt_car[i], gnames, p.tie_break)
        rule[i] = "out_commuting"

    # rules 3-6: travel time combined with commuting, for the leftovers, first rule met wins
    arrays = {"car": tt, "boat": alt}
    for name in RULES:
        r = p.rule(name)
        table = arrays[r.mode]
        if table is None:
            skipped.append({"rule": name, "reason": f"no {r.mode} travel-time table given"})
            continue
        cond = _condition(r, out_s, sum_s, main) & (table < r.max_minutes)
        for i in np.flatnonzero((rule == "rest") & cond.any(axis=1)).tolist():
            group_of[i] = _pick(np.flatnonzero(cond[i]), out_s[i], sum_s[i], table[i], gnames, p.tie_break)
            rule[i] = name
            mode_used[i] = r.mode

    # rule 8 (inferred): restkommuner anchor regions of their own
    rest_out: np.ndarray | None = None
    rest_in: np.ndarray | None = None
    rest_tt: dict[str, np.ndarray | None] = {}
    rest_idx = np.flatnonzero(rule == "rest")
    if p.attach_to_restkommuner and len(rest_idx) > 1 and (tt is not None or alt is not None):
        rest_out, rest_in, rest_tt = _attach_restkommuner(
            fd, tables, rest_idx, rule, anchor, mode_used, p, main is not None, groups
        )
    elif p.attach_to_restkommuner and len(rest_idx) > 1:
        skipped.append({"rule": "restkommune anchors", "reason": "no travel-time table given"})

    region = np.array(
        [groups[group_of[i]][0] if group_of[i] >= 0 else codes[anchor[i] if anchor[i] >= 0 else i] for i in range(n)],
        dtype=object,
    )

    # rule 7: contiguity repair
    n_repaired = 0
    if p.contiguity_repair and boundaries is not None:
        n_repaired = _contiguity_repair(fd, boundaries, region, rule, group_of, anchor, groups, p)
    elif p.contiguity_repair:
        skipped.append({"rule": "contiguity", "reason": "no boundaries given"})

    # per-municipality measures towards the region's centre group or anchoring restkommune
    minutes, o_sh, i_sh = _measures(
        rule, group_of, anchor, mode_used, rest_idx, arrays, (out_s, in_s), (rest_out, rest_in, rest_tt)
    )

    lab = labels_for(p)
    nb, en = [], []
    for j in range(n):
        label_nb, label_en = lab[rule[j]]
        if rule[j] == "centre" and len(groups[group_of[j]]) > 1:
            others = [c for c in groups[group_of[j]] if c != codes[j]]
            label_nb += " sammen med " + ", ".join(others)
            label_en += " with " + ", ".join(others)
        nb.append(label_nb)
        en.append(label_en)
    is_centre_region = group_of >= 0
    mem = pd.DataFrame(
        {
            "kommunenummer": codes,
            "region": region,
            "region_type": np.where(is_centre_region, "centre", "restkommune"),
            "centre": ["+".join(groups[k]) if k >= 0 else "" for k in group_of],
            "rule": rule.astype(str),
            "inkluderingsgrunnlag": nb,
            "inclusion_basis": en,
            "minutes_to_centre": minutes,
            "minutes_mode": np.where(np.isnan(minutes) | (rule == "centre"), "", mode_used.astype(str)),
            "out_share": o_sh,
            "in_share": i_sh,
            "sum_share": o_sh + i_sh,
            **membership_columns(fd, region),
        }
    )
    counts = mem["rule"].value_counts().to_dict()
    proposal_summary = {
        "rule": "jobs, job ratio (net in-commuting) and largest town; pairs from a shared town",
        "params": asdict(p.centre_proposal),
        "groups": format_groups(proposal.attrs["groups"]),
        "skipped": proposal.attrs["skipped"],
        "towns": (towns.attrs.get("rule") if towns is not None else None),
    }
    return Regionalisation(
        membership=mem,
        method="ba",
        meta={
            "method": "TØI-style BA rule cascade (reconstruction of TØI report 1713/2019)",
            "params": asdict(p),
            "readings": describe_params(p),
            "centres": format_groups(groups),
            "centres_proposed": proposed,
            "centre_proposal": proposal_summary,
            "centre_proposal_table": proposal,
            "population_year": (towns.attrs.get("population_year") if towns is not None else None),
            "travel_times": tables.report,
            "skipped_rules": skipped,
            "rule_counts": {str(k): int(v) for k, v in counts.items()},
            "contiguity_repairs": n_repaired,
            "n_centre_regions": int(mem.loc[is_centre_region, "region"].nunique()),
            "n_restkommune_regions": int(mem.loc[~is_centre_region, "region"].nunique()),
            "seconds": time.perf_counter() - t0,
            "year": fd.year,
        },
    )


def _measures(
    rule: np.ndarray,
    group_of: np.ndarray,
    anchor: np.ndarray,
    mode_used: np.ndarray,
    rest_idx: np.ndarray,
    arrays: dict[str, np.ndarray | None],
    shares: tuple[np.ndarray, np.ndarray],
    rest: tuple[np.ndarray | None, np.ndarray | None, dict[str, np.ndarray | None]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minutes, out-share and in-share of every municipality towards its region's centre group or anchor.

    NaN for centres and standing restkommuner, and where the table has no time.
    """
    n = len(rule)
    out_s, in_s = shares
    rest_out, rest_in, rest_tt = rest
    minutes, o_sh, i_sh = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    rest_pos = {int(z): j for j, z in enumerate(rest_idx)}
    for i in range(n):
        if rule[i] in ("centre", "rest", "zero_workers"):
            continue
        if group_of[i] >= 0:
            k = int(group_of[i])
            arr = arrays.get(mode_used[i])
            minutes[i] = arr[i, k] if arr is not None else np.nan
            o_sh[i], i_sh[i] = out_s[i, k], in_s[i, k]
        elif anchor[i] >= 0 and rest_out is not None and rest_in is not None:
            a, b = rest_pos.get(i), rest_pos.get(int(anchor[i]))
            table = rest_tt.get(mode_used[i])
            if a is not None and b is not None:
                o_sh[i], i_sh[i] = rest_out[a, b], rest_in[a, b]
                minutes[i] = table[a, b] if table is not None else np.nan
    minutes[~np.isfinite(minutes)] = np.nan
    minutes[rule == "centre"] = 0.0
    return minutes, o_sh, i_sh


def _attach_restkommuner(
    fd: FlowData,
    tables: _Tables,
    rest_idx: np.ndarray,
    rule: np.ndarray,
    anchor: np.ndarray,
    mode_used: np.ndarray,
    p: BAParams,
    uses_main: bool,
    centre_groups: list[list[str]],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray | None]]:
    """Attach restkommuner to restkommuner by the travel-time rules (largest job count anchors first).

    Returns the rest × rest out-share, in-share and minutes by mode (for the membership table).
    """
    codes = np.asarray(fd.codes, dtype=object)
    heads_all = [[str(codes[i])] for i in rest_idx]
    out_s, in_s = commuting_shares(fd, heads_all, in_share=p.in_share)
    out_r, in_r = out_s[rest_idx], in_s[rest_idx]
    sum_r = out_r + in_r
    # centre groups compete as destinations too (a double centre counted as one)
    main_r = main_destination(fd, heads_all + centre_groups)[rest_idx, : len(heads_all)] if uses_main else None
    tt = {
        mode: (None if a is None else a[rest_idx])
        for mode in ("car", "boat")
        for a in [tables.minutes(mode, heads_all, purpose="restkommuner", rows=rest_idx)]
    }
    names = np.array([c[0] for c in heads_all], dtype=str)
    order = np.lexsort((names, -fd.jobs[rest_idx]))  # largest job count first, then the lower code
    heads: list[int] = []  # positions (into rest_idx) of standing restkommuner
    for a in order:
        if heads:
            cand_all = np.array(heads)
            for name in p.restkommune_rules:
                r = p.rule(name)
                table = tt[r.mode]
                if table is None:
                    continue
                ok = (table[a, cand_all] < r.max_minutes) & _condition(
                    r, out_r[a, cand_all], sum_r[a, cand_all], None if main_r is None else main_r[a, cand_all]
                )
                if ok.any():
                    cands = cand_all[ok]
                    b = _pick(cands, out_r[a], sum_r[a], table[a], names, p.tie_break)
                    anchor[rest_idx[a]] = rest_idx[b]
                    rule[rest_idx[a]] = name
                    mode_used[rest_idx[a]] = r.mode
                    break
        if anchor[rest_idx[a]] < 0:
            heads.append(int(a))
    return out_r, in_r, tt


def _contiguity_repair(
    fd: FlowData,
    boundaries: gpd.GeoDataFrame,
    region: np.ndarray,
    rule: np.ndarray,
    group_of: np.ndarray,
    anchor: np.ndarray,
    groups: list[list[str]],
    p: BAParams,
) -> int:
    """Add a lone restkommune lying between two parts of one region to that region; return the count."""
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
    codes = np.asarray(fd.codes, dtype=object)
    b = boundaries.set_index("kommunenummer").loc[list(codes)].reset_index()
    _, adj = adjacency(b, tolerance=p.adjacency_tolerance_m)
    adj = sp.csr_array(adj)
    flows = fd.matrix.tocsr()
    group_by_main = {g[0]: k for k, g in enumerate(groups)}
    repaired = 0
    for _ in range(fd.n):
        coo = adj.tocoo()
        same = region[coo.row] == region[coo.col]
        a = sp.csr_array((np.ones(int(same.sum())), (coo.row[same], coo.col[same])), shape=adj.shape)
        _, comp = connected_components(a, directed=False)
        size = {r: int((region == r).sum()) for r in set(region)}
        best = None
        for i in np.flatnonzero(rule == "rest"):
            if size[region[i]] > 1:
                continue  # only a restkommune standing alone is moved
            nbrs = adj.indices[adj.indptr[i] : adj.indptr[i + 1]]
            for r in sorted(set(region[nbrs]) - {region[i]}):
                parts = {int(comp[j]) for j in nbrs if region[j] == r}
                if len(parts) < 2:
                    continue
                members = np.flatnonzero(region == r)
                link = flows[[i], :][:, members].sum() + flows[members, :][:, [i]].sum()
                strength = link / max(fd.residents[i] + fd.jobs[i], 1.0)
                key = (strength, str(r))
                if best is None or key[0] > best[0][0] or (key[0] == best[0][0] and key[1] < best[0][1]):
                    best = (key, int(i), r)
        if best is None:
            break
        _, moved, r = best
        region[moved] = r
        rule[moved] = "contiguity"
        k = group_by_main.get(r, -1)
        group_of[moved] = k
        if k < 0:
            anchor[moved] = int(np.flatnonzero(codes == r)[0])
        repaired += 1
    return repaired
