"""The one DataWarning the GTFS / NeTEx readers give when they skip objects, as tests expect it (not a test module).

Issue 11: a skip is counted and warned, never silent. Each read that skips something issues one
:class:`~geoaccess.errors.DataWarning` ``"<source>: N object(s) skipped (<largest causes>)"``. A test
that reads a feed for another purpose expects that warning with its exact count and causes
(``with skips(*TAMPERE): ...``), so a change in what the readers skip is noticed.
"""

from __future__ import annotations

import re

import pytest

from geoaccess.errors import DataWarning

# (count, causes as the warning lists them: largest first, at most three; ")" ends the list)
GTFS_MIN = (2, "1 stop: duplicate stop_id (first row kept); 1 trip: only one timed stop)")
NETEX_MIN = (
    4,
    "1 ServiceJourney: JourneyPatternRef to a missing JourneyPattern; 1 ServiceJourney: no DayTypeRef to an "
    "existing DayType (no service dates); 1 ServiceJourney: ScheduledStopPoint without PassengerStopAssignment to "
    "a Quay; and 1 more cause(s))",
)
TAMPERE = (11, "11 trip: only one timed stop)")  # 5,641 trips.txt rows; 11 have fewer than two timed stops
RUTER_2017 = (1, "1 ServiceJourney: StopPointInJourneyPatternRef to a missing StopPointInJourneyPattern)")

_COUNT = re.compile(r": (\d+) object\(s\) skipped \(")


def skips(count: int, causes: str = "") -> pytest.WarningsRecorder:
    """``pytest.warns`` for the readers' skip warning: exactly ``count`` objects, the causes starting with ``causes``."""
    return pytest.warns(DataWarning, match=rf": {count} object\(s\) skipped \({re.escape(causes)}")


def skipped_in(record: pytest.WarningsRecorder) -> int:
    """The count of the one skip warning in ``record`` (from ``pytest.warns(DataWarning)``)."""
    counts = [int(m[1]) for w in record if (m := _COUNT.search(str(w.message)))]
    assert len(counts) == 1, [str(w.message) for w in record]
    return counts[0]
