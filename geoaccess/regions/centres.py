"""Centre municipalities of the BA cascade: given (inline or a file) or proposed from data.

A *centre group* is one centre municipality, or a double centre (*dobbeltsenter*,
"sammen med"): two or more neighbouring municipalities that count as one centre.
Groups are lists of codes, the first being the main centre (the region's id). Every
way of giving centres can say it:

* inline: ``"0301+3024,4601"`` (``+`` joins a group, ``,`` separates groups);
* a centres file (CSV): a ``kommunenummer`` (or ``centre``/``senter``/``code``) column
  whose values may be ``0301+3024``; or an extra ``sammen_med`` (``partner``) column
  naming the partner; or a ``group`` (``gruppe``) column, rows with the same value
  forming one group (in file order);
* :func:`propose_centres`, which forms pairs from shared towns (see
  :class:`~geoaccess.regions.config.CentreProposal`).

:func:`align_centres` checks the codes against the municipalities in force in the
flows' year: a plain renumbering is recoded with a note, a merged, divided or unknown
municipality is an error naming it and its successor.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError
from geoaccess.regions.config import CentreProposal

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.regions.flows import FlowData

__all__ = [
    "align_centres",
    "centre_proposal_table",
    "format_groups",
    "parse_centres",
    "propose_centres",
    "read_centres",
]


def format_groups(groups: Sequence[Sequence[str]]) -> list[str]:
    """Groups as ``"a+b"`` strings."""
    return ["+".join(g) for g in groups]


def _code(value: str, where: str) -> str:
    v = str(value).strip()
    if v.endswith(".0"):
        v = v[:-2]
    v = v.zfill(4)
    if not (v.isdigit() and len(v) == 4):
        msg = f"{where}: {value!r} is not a 4-digit municipality code."
        raise InputError(msg)
    return v


def parse_centres(centres: Sequence[str | Sequence[str]], *, what: str = "centres") -> list[list[str]]:
    """Centre groups from ``"0301+3024"`` strings or sequences of codes; each municipality once.

    Raises
    ------
    InputError
        Empty list, a malformed code, or a municipality named in more than one group.
    """
    groups: list[list[str]] = []
    for c in centres:
        parts = [s for s in c.split("+")] if isinstance(c, str) else [str(s) for s in c]
        g = [_code(s, what) for s in parts if str(s).strip()]
        if g:
            groups.append(g)
    if not groups:
        msg = f"{what}: the centre list is empty; give centres or let propose_centres() choose them."
        raise InputError(msg)
    flat = [c for g in groups for c in g]
    dup = sorted({c for c in flat if flat.count(c) > 1})
    if dup:
        msg = f"{what}: municipalities named in more than one centre group: {', '.join(dup)}."
        raise InputError(msg)
    return groups


def read_centres(path: str | os.PathLike[str]) -> list[list[str]]:
    """Centre groups from a CSV file (see the module docstring for the accepted layouts).

    Raises
    ------
    InputError
        Unreadable file, no code column, malformed codes (with the row), a partner or
        group column that contradicts itself.
    """
    import pandas as pd

    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8-sig") as fh:
            first = fh.readline()
        sep = next((s for s in (";", "\t", ",") if s in first), ",")
        df = pd.read_csv(p, dtype=str, sep=sep, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = f"Cannot read the centres file {p}: {exc}"
        raise InputError(msg) from exc
    cols = {c.lower().strip(): c for c in df.columns}
    col = next((cols[c] for c in ("kommunenummer", "centre", "center", "senter", "code") if c in cols), None)
    if col is None:
        msg = f"{p}: no centre column (kommunenummer, centre, senter or code); found {list(df.columns)}."
        raise InputError(msg)
    partner = next((cols[c] for c in ("sammen_med", "partner", "with") if c in cols), None)
    group = next((cols[c] for c in ("group", "gruppe") if c in cols), None)
    df = df.loc[df[col].notna() & (df[col].str.strip() != "")]
    if group is not None:
        by: dict[str, list[str]] = {}
        for row, (c, gv) in enumerate(zip(df[col], df[group].fillna(""), strict=True), start=2):
            key = gv.strip() or f"_row{row}"
            by.setdefault(key, []).extend(s for s in c.split("+"))
        return parse_centres(list(by.values()), what=p)
    out: list[list[str]] = []
    for row, c in enumerate(df[col], start=2):
        g = [s for s in c.split("+")]
        if partner is not None:
            mate = df.loc[df[col] == c, partner].iloc[0]
            if isinstance(mate, str) and mate.strip():
                g += mate.split("+")
        out.append([_code(s, f"{p} row {row}") for s in g if s.strip()])
    # a pair given on both rows (A with B, B with A) is one group
    seen: set[frozenset[str]] = set()
    unique = []
    for g in out:
        key = frozenset(g)
        if len(g) > 1 and key in seen:
            continue
        seen.add(key)
        unique.append(g)
    singles_in_pairs = {c for g in unique if len(g) > 1 for c in g}
    unique = [g for g in unique if len(g) > 1 or g[0] not in singles_in_pairs]
    return parse_centres(unique, what=p)


def align_centres(
    groups: Sequence[Sequence[str]],
    year: int,
    *,
    what: str = "centres",
    names: pd.Series | None = None,
) -> tuple[list[list[str]], list[str]]:
    """Check centre codes against the municipalities in force in ``year``; recode plain renumberings.

    Parameters
    ----------
    groups
        Centre groups.
    year
        Year of the flows' codes.
    what
        Name of the input in messages (the file).
    names
        Municipality names (index = code) for the messages.

    Returns
    -------
    groups : list of list of str
        The groups in ``year``'s codes.
    notes : list of str
        One line per recoded code.

    Raises
    ------
    InputError
        A code that is no municipality in any year, or one that was merged with
        another municipality or divided by ``year`` (named with its successor).
    """
    from geoaccess.layers.crosswalk import FIRST_YEAR, codes_in_force, crosswalk, read_code_changes

    valid = codes_in_force(int(year))
    table = read_code_changes()

    def label(c: str) -> str:
        n = names.get(c, "") if names is not None else ""
        return f"{c} {n}".strip()

    out, notes = [], []
    for g in groups:
        new = []
        for c in g:
            if c in valid:
                new.append(c)
                continue
            years = sorted(set(table.loc[table["code"] == c, "year"]))
            if not years:
                msg = f"{what}: centre {c} is no municipality code in any year of the change table."
                raise InputError(msg)
            last = years[-1]
            usable = [y for y in years if y >= FIRST_YEAR]
            src = min(usable, key=lambda y: abs(y - int(year))) if usable else None
            try:
                xw = crosswalk(src, int(year)) if src is not None else None
            except InputError:
                xw = None
            if xw is None:
                msg = (
                    f"{what}: centre {c} is not a municipality in {year} (in force {years[0]}-{last}) and "
                    f"cannot be placed in the {year} division; give a code of {year}."
                )
                raise InputError(msg)
            rows = xw.loc[xw["from_code"] == c]
            basis = str(rows["basis"].iloc[0])
            targets = list(rows["to_code"])
            if len(targets) == 1 and basis == "renamed":
                span = f"until {last}" if last < int(year) else f"from {years[0]}"
                notes.append(f"centre {c} (a code {span}) recoded to {label(targets[0])} ({year} code)")
                new.append(targets[0])
                continue
            if len(targets) == 1:
                others = sorted(set(xw.loc[xw["to_code"] == targets[0], "from_code"]) - {c})
                msg = (
                    f"{what}: centre {c} (in force until {last}) was merged into {label(targets[0])} in the "
                    f"{year} division, together with {', '.join(others)}; name {targets[0]} as the centre instead."
                )
            else:
                msg = (
                    f"{what}: centre {c} (in force until {last}) was divided among {', '.join(map(label, targets))} "
                    f"by {year}; name one of them as the centre instead."
                )
            raise InputError(msg)
        if len(set(new)) < len(new):
            msg = f"{what}: the centre group {'+'.join(g)} names one {year} municipality twice."
            raise InputError(msg)
        out.append(new)
    flat = [c for g in out for c in g]
    dup = sorted({c for c in flat if flat.count(c) > 1})
    if dup:
        msg = f"{what}: in {year} codes, municipalities named in more than one centre group: {', '.join(dup)}."
        raise InputError(msg)
    return out, notes


def centre_proposal_table(
    flows: FlowData,
    params: CentreProposal | None = None,
    *,
    towns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The centre proposal, municipality by municipality, with the numbers it used.

    Parameters
    ----------
    flows
        Commuting matrix of one year.
    params
        Proposal rules (:class:`~geoaccess.regions.config.CentreProposal`).
    towns
        Town parts from :func:`geoaccess.layers.towns.town_parts` in the
        flows' codes. Without them the town-size criterion and the town pairing are
        skipped (recorded in ``attrs["skipped"]``).

    Returns
    -------
    pandas.DataFrame
        One row per municipality, largest job count first: ``kommunenummer``, ``jobs``,
        ``employed_residents``, ``net_in_commuting`` (jobs − employed residents),
        ``job_ratio``, ``largest_town_population`` (NaN without towns),
        ``out_share_to_centre`` (largest share sent to an accepted centre when
        considered), ``proposed`` (the group string of its centre group, or ""),
        ``reason`` (why it is or is not a centre). ``attrs["groups"]`` holds the groups.
    """
    import pandas as pd

    p = params or CentreProposal()
    codes = [str(c) for c in flows.codes]
    pos = {c: i for i, c in enumerate(codes)}
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(flows.residents > 0, flows.jobs / np.where(flows.residents > 0, flows.residents, 1), 0.0)
    town_of: dict[str, tuple[int, float]] = {}
    members: dict[int, list[tuple[str, float]]] = {}
    town_total: dict[int, float] = {}
    skipped = []
    if towns is not None and len(towns):
        for t, c, pop_, tot in towns[["town", "kommunenummer", "population", "town_population"]].itertuples(
            index=False
        ):
            if c not in pos:
                continue
            members.setdefault(int(t), []).append((c, float(pop_)))
            town_total[int(t)] = float(tot)
            if c not in town_of or pop_ > town_of[c][1]:
                town_of[c] = (int(t), float(pop_))
    else:
        skipped.append("largest town and town pairs: no town data given")
    largest = np.array([town_of.get(c, (-1, 0.0))[1] for c in codes]) if town_of else np.full(len(codes), np.nan)
    order = np.lexsort((np.array(codes), -flows.jobs))
    m = flows.matrix.tocsr()
    group_of: dict[str, int] = {}
    groups: list[list[str]] = []
    reason = [""] * len(codes)
    out_to = np.full(len(codes), np.nan)
    for i in order:
        c = codes[i]
        if c in group_of:
            continue
        if flows.jobs[i] < p.min_jobs:
            reason[i] = f"jobs {flows.jobs[i]:,.0f} < {p.min_jobs:,.0f}"
            continue
        if ratio[i] < p.min_job_ratio:
            reason[i] = f"job ratio {ratio[i]:.2f} < {p.min_job_ratio:g}"
            continue
        if town_of and largest[i] < p.min_town_population:
            reason[i] = f"largest town {largest[i]:,.0f} < {p.min_town_population:,.0f} residents"
            continue
        if groups and flows.residents[i] > 0:
            row = m[[i], :].toarray().ravel()
            shares = [row[[pos[x] for x in g]].sum() / flows.residents[i] for g in groups]
            k = int(np.argmax(shares))
            out_to[i] = shares[k]
            if shares[k] > p.max_out_share_to_centre:
                reason[i] = f"sends {100 * shares[k]:.1f} % to the centre {'+'.join(groups[k])}"
                continue
        g = [c]
        reason[i] = "centre: jobs, job ratio" + (" and town size" if town_of else "") + " above the thresholds"
        if c in town_of:
            t = town_of[c][0]
            mates = sorted((x for x in members[t] if x[0] != c and x[0] not in group_of), key=lambda x: -x[1])
            if mates:
                mate, part = mates[0]
                if part >= p.pair_min_town_share * town_total[t] and part >= p.pair_min_town_population:
                    # the member holding the larger part of the shared town is the main centre
                    g = [mate, c] if part > town_of[c][1] else [c, mate]
                    reason[pos[mate]] = (
                        f"double centre with {c}: holds {part:,.0f} residents "
                        f"({100 * part / town_total[t]:.0f} %) of their shared town"
                    )
        for x in g:
            group_of[x] = len(groups)
        groups.append(g)
    # published pairs, formed when either member is proposed and both are municipalities of the flows
    for pair in p.double_centres:
        a, _, b = pair.partition("+")
        if a not in pos or b not in pos:
            continue
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and ga == gb:
            continue
        if (ga is not None and len(groups[ga]) > 1) or (gb is not None and len(groups[gb]) > 1):
            continue
        if ga is None and gb is None:
            continue
        keep: int = ga if ga is not None else gb  # type: ignore[assignment]  # one of them is set (checked above)
        drop = gb if ga is not None else None
        groups[keep] = [a, b]
        if drop is not None:
            groups[drop] = []
        for x in (a, b):
            group_of[x] = keep
            reason[pos[x]] = f"double centre {a}+{b} (listed in centre_proposal.double_centres)"
    groups = [g for g in groups if g]
    label = {x: "+".join(g) for g in groups for x in g}
    table = pd.DataFrame(
        {
            "kommunenummer": codes,
            "jobs": flows.jobs,
            "employed_residents": flows.residents,
            "net_in_commuting": flows.jobs - flows.residents,
            "job_ratio": ratio,
            "largest_town_population": largest,
            "out_share_to_centre": out_to,
            "proposed": [label.get(c, "") for c in codes],
            "reason": reason,
        }
    ).iloc[order].reset_index(drop=True)
    table.attrs["groups"] = groups
    table.attrs["skipped"] = skipped
    return table


def propose_centres(
    flows: FlowData,
    params: CentreProposal | None = None,
    *,
    towns: pd.DataFrame | None = None,
) -> list[str]:
    """Propose centre groups from jobs, net in-commuting and town size (see :func:`centre_proposal_table`).

    Returns
    -------
    list of str
        Groups as ``"a"`` or ``"a+b"`` strings, largest job count first. TØI's own
        criteria are not published; give centres explicitly to reproduce a division.
    """
    return format_groups(centre_proposal_table(flows, params, towns=towns).attrs["groups"])
