"""What a timetable reader skipped, repaired or ignored, and why, with counts.

Every reader returns a :class:`ValidationReport` inside the
:class:`~geoaccess.transit.timetable.Timetable` (``tt.report``). Nothing is dropped
silently: each skipped object is counted under a short reason with a few example ids.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from geoaccess.errors import DataWarning

__all__ = ["Issue", "ValidationReport"]

_MAX_EXAMPLES = 5


@dataclass
class Issue:
    """One kind of problem found in a feed.

    Attributes
    ----------
    what : str
        The object kind concerned (``"stop"``, ``"trip"``, ``"ServiceJourney"``, ...).
    reason : str
        Why it was skipped or changed, in words a user can act on.
    action : str
        ``"skipped"``, ``"repaired"`` or ``"ignored"`` (kept, but the field is not used).
    count : int
        Number of objects affected.
    examples : list of str
        Up to five example ids.
    """

    what: str
    reason: str
    action: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    """A list of :class:`Issue` keyed by (what, reason), plus headline counts."""

    source: str = ""
    issues: dict[tuple[str, str], Issue] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        what: str,
        reason: str,
        *,
        action: str = "skipped",
        count: int = 1,
        example: str | None = None,
        examples: Sequence[str] = (),
    ) -> None:
        """Record ``count`` objects of kind ``what`` affected for ``reason`` (with up to five examples)."""
        if count <= 0:
            return
        key = (what, reason)
        issue = self.issues.get(key)
        if issue is None:
            issue = self.issues[key] = Issue(what, reason, action)
        issue.count += int(count)
        for ex in ([example] if example is not None else []) + list(examples):
            if len(issue.examples) < _MAX_EXAMPLES:
                issue.examples.append(str(ex))

    def add_many(self, what: str, reason: str, examples: list[str], *, action: str = "skipped") -> None:
        """Record every id in ``examples`` (keeps the first five as examples)."""
        if not examples:
            return
        self.add(what, reason, action=action, count=len(examples), example=None)
        issue = self.issues[(what, reason)]
        room = _MAX_EXAMPLES - len(issue.examples)
        issue.examples.extend(str(e) for e in examples[:room])

    def count(self, what: str | None = None, *, action: str | None = None) -> int:
        """Total count of issues, optionally for one object kind and/or action."""
        return sum(
            i.count
            for i in self.issues.values()
            if (what is None or i.what == what) and (action is None or i.action == action)
        )

    @property
    def ok(self) -> bool:
        """True when nothing was skipped (repairs and ignored fields do not count)."""
        return self.count(action="skipped") == 0

    def warn_if_skipped(self, *, stacklevel: int = 2) -> None:
        """Issue one :class:`~geoaccess.errors.DataWarning` when anything was skipped, naming the largest causes."""
        skipped = sorted((i for i in self.issues.values() if i.action == "skipped"), key=lambda i: -i.count)
        if not skipped:
            return
        top = "; ".join(f"{i.count} {i.what}: {i.reason}" for i in skipped[:3])
        more = f"; and {len(skipped) - 3} more cause(s)" if len(skipped) > 3 else ""
        warnings.warn(
            f"{self.source or 'feed'}: {self.count(action='skipped')} object(s) skipped ({top}{more}). "
            "See the timetable's report (tt.report, or `geoaccess transit load`).",
            DataWarning,
            stacklevel=stacklevel + 1,
        )

    def rows(self) -> list[dict[str, object]]:
        """One dict per issue: what, reason, action, count, examples."""
        return [
            {
                "what": i.what,
                "reason": i.reason,
                "action": i.action,
                "count": i.count,
                "examples": ", ".join(i.examples),
            }
            for i in sorted(self.issues.values(), key=lambda i: (i.action, i.what, -i.count))
        ]

    def __str__(self) -> str:
        lines = [f"Validation report for {self.source or 'feed'}:"]
        if not self.issues:
            lines.append("  nothing skipped or repaired")
        for r in self.rows():
            ex = f" (e.g. {r['examples']})" if r["examples"] else ""
            lines.append(f"  {r['action']:<8} {r['count']:>7} {r['what']}: {r['reason']}{ex}")
        return "\n".join(lines)
