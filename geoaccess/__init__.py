"""geoaccess: accessibility and service-location analysis on road, ferry and transit networks.

The data flow is one direction, with arrays in the middle::

    network → snapped layers → travel times → measure → output

Each step is a sub-package with its public names in its ``__all__``: :mod:`geoaccess.network`,
:mod:`geoaccess.layers`, :mod:`geoaccess.engine`, :mod:`geoaccess.measures`, :mod:`geoaccess.regions`,
:mod:`geoaccess.omland`, :mod:`geoaccess.location`, :mod:`geoaccess.transit`, :mod:`geoaccess.scenario`,
:mod:`geoaccess.national`, :mod:`geoaccess.strategy`, :mod:`geoaccess.report`. Importing ``geoaccess``
itself loads none of them (only the version and the limits); import the one you use.
"""

from __future__ import annotations

from geoaccess._version import __version__
from geoaccess.limits import Limits, get_limits, load_limits, use_limits

__all__ = ["Limits", "__version__", "get_limits", "load_limits", "use_limits"]
