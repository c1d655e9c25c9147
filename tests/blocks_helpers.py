"""Picklable tasks and inputs for the block-runner tests (imported by the Dask worker processes too)."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

UNPICKLED = 0
"""How many times a :class:`Counted` was unpickled in this process."""


class Counted:
    """Shared inputs that count their unpickling (to see that a worker receives them once)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __getstate__(self) -> dict:
        return {"values": self.values}

    def __setstate__(self, state: dict) -> None:
        global UNPICKLED
        UNPICKLED += 1
        self.values = state["values"]


def square_task(inputs: Counted, payload: np.ndarray, params: dict) -> pd.DataFrame:
    """A pure block: the payload's values squared times ``params['factor']``; records the process and unpickles."""
    if params.get("fail_on") is not None and int(payload[0]) == params["fail_on"]:
        msg = f"block starting at {int(payload[0])} fails on purpose"
        raise ValueError(msg)
    if params.get("sleep"):
        time.sleep(params["sleep"])
    v = inputs.values[payload]
    return pd.DataFrame({"item": payload.astype(np.int64), "value": v * v * params["factor"],
                         "pid": os.getpid(), "unpickled": UNPICKLED})
