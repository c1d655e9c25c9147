"""OSM turn restriction relations (``type=restriction``) → :class:`~geoaccess.network.turns.TurnRestrictions`.

A relation is read for a profile (:func:`parse_restriction`) and then resolved onto the edges of
the assembled network (:func:`resolve_restrictions`). What counts:

* **Which relations.** ``type=restriction`` with the value of the most specific of the profile's
  ``restriction_keys`` present (car: ``restriction``, ``restriction:motor_vehicle``,
  ``restriction:motorcar``); old-style ``type=restriction:motorcar`` with ``restriction=*``.
  Relations only for other vehicles (``restriction:hgv``, ``restriction:bicycle``) do not
  concern the mode; ``except=*`` naming one of the profile's exceptions (car: ``motorcar``,
  ``motor_vehicle``) exempts it; a relation whose only value is time-dependent
  (``restriction:conditional``, ``day_on``/``hour_on``) is not modelled and is counted.
* **Kinds.** ``no_*`` (no_left_turn, no_right_turn, no_straight_on, no_u_turn, no_entry,
  no_exit) → ``NO``; ``only_*`` → ``ONLY``. ``no_entry`` may have several ``from`` ways and
  ``no_exit`` several ``to`` ways (one restriction per pair); otherwise one of each.
* **Members.** ``from`` and ``to`` are ways; ``via`` is one node or one or more ways. The from
  way must arrive at the via node (exactly one of its directed edges ends there: a two-way
  from way passing *through* the via node is ambiguous) and the to way must leave it; via
  ways must form a connected path from the from way to the to way, drivable in that
  direction (via ways listed out of order are reordered).

Every relation that is not used is counted in the report with its reason and example relation
ids, never dropped silently: missing members, members outside the extract or not usable by the
profile, a via way that is not connected, ambiguous members, unknown values.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.network.turns import TurnKind

if TYPE_CHECKING:
    from geoaccess.network.profiles import Profile
    from geoaccess.network.turns import TurnRestrictions

__all__ = ["RawRestriction", "RestrictionReport", "parse_restriction", "resolve_restrictions"]

_TIME_KEYS = ("restriction:conditional", "day_on", "day_off", "hour_on", "hour_off")


class RawRestriction(NamedTuple):
    """One restriction relation as read from OSM (ids are OSM ids).

    Attributes
    ----------
    relation_id : int
    kind : int
        :class:`~geoaccess.network.turns.TurnKind`.
    value : str
        The restriction value (``no_left_turn`` ...).
    from_ways, to_ways : tuple of int
        OSM way ids.
    via_node : int
        OSM node id, ``-1`` for via-way restrictions.
    via_ways : tuple of int
        OSM way ids of the via ways (empty for a via node).
    """

    relation_id: int
    kind: int
    value: str
    from_ways: tuple[int, ...]
    via_node: int
    via_ways: tuple[int, ...]
    to_ways: tuple[int, ...]


class RestrictionReport:
    """Counts and example relation ids per reason a relation was skipped, plus what was used."""

    def __init__(self) -> None:
        self.skipped: dict[str, list[int]] = defaultdict(list)
        self.used = 0
        self.used_via_way = 0
        self.not_for_mode = 0

    def skip(self, reason: str, relation_id: int) -> None:
        """Count one relation not used, for ``reason``."""
        self.skipped[reason].append(int(relation_id))

    def to_dict(self) -> dict[str, Any]:
        """``{"used": n, "used_via_way": n, "not_for_this_mode": n, "skipped": {reason: {"count", "examples"}}}``."""
        return {
            "used": self.used,
            "used_via_way": self.used_via_way,
            "not_for_this_mode": self.not_for_mode,
            "skipped": {r: {"count": len(ids), "examples": ids[:5]} for r, ids in sorted(self.skipped.items())},
        }


def _restriction_value(tags: Mapping[str, str], profile: Profile) -> tuple[str | None, str | None]:
    """(value, reason): the restriction value for this mode, or why there is none."""
    rtype = str(tags.get("type", ""))
    if rtype == "restriction":
        value = None
        for key in profile.restriction_keys:
            v = tags.get(key)
            if v is not None:
                value = str(v).strip()
        if value is not None:
            return value, None
        if any(k.startswith("restriction:") and k != "restriction:conditional" for k in tags):
            return None, "other vehicles"
        if any(k in tags for k in _TIME_KEYS):
            return None, "time-dependent restriction (restriction:conditional / day_on / hour_on): not modelled"
        return None, "relation has no restriction value"
    vehicle = rtype.split(":", 1)[1] if ":" in rtype else ""
    if f"restriction:{vehicle}" not in profile.restriction_keys:
        return None, "other vehicles"
    value = tags.get("restriction")
    if value is None:
        return None, "relation has no restriction value"
    return str(value).strip(), None


def parse_restriction(
    relation_id: int, tags: Mapping[str, str], members: Sequence[tuple[str, int, str]], profile: Profile,
    report: RestrictionReport,
) -> RawRestriction | None:
    """Read one relation for ``profile`` (``None`` when it is not a usable restriction; the report says why).

    Parameters
    ----------
    relation_id
        OSM relation id.
    tags
        Relation tags.
    members
        ``(type, ref, role)`` per member, type ``"n"``, ``"w"`` or ``"r"``.
    profile
        The travel profile (restriction keys and exceptions).
    report
        Collects skipped relations and their reasons.
    """
    value, why = _restriction_value(tags, profile)
    if value is None:
        if why == "other vehicles":
            report.not_for_mode += 1
        else:
            report.skip(str(why), relation_id)
        return None
    exc = {e.strip() for e in str(tags.get("except", "")).split(";") if e.strip()}
    if exc & profile.restriction_exceptions:
        report.not_for_mode += 1
        return None
    if value.startswith("no_"):
        kind = TurnKind.NO
    elif value.startswith("only_"):
        kind = TurnKind.ONLY
    else:
        report.skip(f"unknown restriction value {value!r}", relation_id)
        return None
    frm = [ref for t, ref, role in members if role == "from" and t == "w"]
    to = [ref for t, ref, role in members if role == "to" and t == "w"]
    via_n = [ref for t, ref, role in members if role == "via" and t == "n"]
    via_w = [ref for t, ref, role in members if role == "via" and t == "w"]
    if not frm or not to or not (via_n or via_w):
        missing = [r for r, v in (("from", frm), ("via", via_n or via_w), ("to", to)) if not v]
        report.skip(f"missing member(s): {', '.join(missing)}", relation_id)
        return None
    if via_n and via_w or len(via_n) > 1:
        report.skip("more than one via node, or via node and via way together", relation_id)
        return None
    if len(frm) > 1 and value != "no_entry" or len(to) > 1 and value != "no_exit":
        report.skip("several from/to ways (allowed only for no_entry / no_exit)", relation_id)
        return None
    return RawRestriction(int(relation_id), int(kind), value, tuple(frm), int(via_n[0]) if via_n else -1,
                          tuple(via_w), tuple(to))


def resolve_restrictions(
    raws: Sequence[RawRestriction],
    *,
    way_index: Mapping[int, int],
    edge_way: np.ndarray,
    edge_tail: np.ndarray,
    edge_head: np.ndarray,
    fwd_id: np.ndarray,
    bwd_id: np.ndarray,
    node_of: Mapping[int, int],
    report: RestrictionReport,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """Resolve read restrictions onto directed edges.

    Parameters
    ----------
    raws
        Parsed relations.
    way_index
        OSM way id -> index of the kept way (ways the profile dropped are absent).
    edge_way, edge_tail, edge_head
        Per undirected piece (between routing nodes, in way order): kept-way index and end nodes.
    fwd_id, bwd_id
        Per piece, the directed edge along / against the way's node order (``-1`` where not allowed).
    node_of
        OSM node id -> routing node index (routing nodes only).
    report
        Collects what was used and skipped.

    Returns
    -------
    from_edge, to_edge : numpy.ndarray of int64
    via_edges : list of numpy.ndarray
    kind, source_id : numpy.ndarray
        In the caller's directed-edge numbering.
    """
    pieces: dict[int, list[int]] = defaultdict(list)
    for p, w in enumerate(edge_way.tolist()):
        pieces[w].append(p)

    def incident(w: int, v: int, *, into: bool) -> list[int]:
        """Directed edges of way ``w`` arriving at (``into``) or leaving node ``v``."""
        end_f, end_b = (edge_head, edge_tail) if into else (edge_tail, edge_head)
        out = []
        for p in pieces.get(w, []):
            if end_f[p] == v and fwd_id[p] >= 0:
                out.append(int(fwd_id[p]))
            if end_b[p] == v and bwd_id[p] >= 0:
                out.append(int(bwd_id[p]))
        return out

    def arriving(w: int, v: int) -> list[int]:
        return incident(w, v, into=True)

    def leaving(w: int, v: int) -> list[int]:
        return incident(w, v, into=False)

    def touches(w: int, v: int) -> bool:
        return any(edge_tail[p] == v or edge_head[p] == v for p in pieces.get(w, []))

    def ends(w: int) -> tuple[int, int]:
        ps = pieces[w]
        return int(edge_tail[ps[0]]), int(edge_head[ps[-1]])

    def traverse(w: int, start: int) -> tuple[list[int], int] | None:
        """Directed edges along via way ``w`` from its end ``start`` to its other end (None: not drivable)."""
        first, last = ends(w)
        ps = pieces[w]
        if start == first:
            ids = [int(fwd_id[p]) for p in ps]
            other = last
        elif start == last:
            ids = [int(bwd_id[p]) for p in reversed(ps)]
            other = first
        else:
            return None
        if any(i < 0 for i in ids):
            return None
        return ids, other

    f_out, t_out, v_out, k_out, s_out = [], [], [], [], []
    for r in raws:
        ways = [*r.from_ways, *r.via_ways, *r.to_ways]
        absent = [w for w in ways if w not in way_index]
        if absent:
            report.skip("a member way is not in the network for this profile (or not in the extract)", r.relation_id)
            continue
        if r.via_node >= 0:
            v = node_of.get(r.via_node)
            if v is None:
                report.skip("via node is not a junction of kept ways (or not in the extract)", r.relation_id)
                continue
            pairs = []
            ok = True
            for fw in r.from_ways:
                a = arriving(way_index[fw], v)
                if len(a) != 1:
                    report.skip("from way does not arrive at the via node exactly once (passes through it, "
                                "one-way away from it, or does not touch it)", r.relation_id)
                    ok = False
                    break
                for tw in r.to_ways:
                    b = leaving(way_index[tw], v)
                    if len(b) != 1:
                        report.skip("to way does not leave the via node exactly once (passes through it, "
                                    "one-way towards it, or does not touch it)", r.relation_id)
                        ok = False
                        break
                    pairs.append((a[0], b[0]))
                if not ok:
                    break
            if not ok:
                continue
            for a, b in pairs:
                f_out.append(a), t_out.append(b), v_out.append(np.zeros(0, np.int64))
                k_out.append(r.kind), s_out.append(r.relation_id)
            report.used += 1
            continue
        # via ways: a connected path from the from way to the to way
        fw, tw = way_index[r.from_ways[0]], way_index[r.to_ways[0]]
        vias = [way_index[w] for w in r.via_ways]
        found = None
        orders = [vias] if len(vias) > 4 else [list(p) for p in itertools.permutations(vias)]
        for order in orders:
            for start in ends(order[0]):
                a = arriving(fw, start)
                if len(a) != 1:
                    continue
                path: list[int] = []
                node = start
                good = True
                for w in order:
                    step = traverse(w, node)
                    if step is None:
                        good = False
                        break
                    path += step[0]
                    node = step[1]
                if not good:
                    continue
                b = leaving(tw, node)
                if len(b) == 1:
                    found = (a[0], path, b[0])
                    break
            if found:
                break
        if found is None:
            connected = any(touches(fw, e) for e in ends(vias[0])) and any(touches(tw, e) for e in ends(vias[-1]))
            reason = ("via way(s) not drivable from the from way to the to way (one-way against the manoeuvre)"
                      if connected else "via way is not connected to the from and to ways")
            report.skip(reason, r.relation_id)
            continue
        f_out.append(found[0]), t_out.append(found[2]), v_out.append(np.asarray(found[1], np.int64))
        k_out.append(r.kind), s_out.append(r.relation_id)
        report.used += 1
        report.used_via_way += 1
    return (np.asarray(f_out, np.int64), np.asarray(t_out, np.int64), v_out, np.asarray(k_out, np.int8),
            np.asarray(s_out, np.int64))
