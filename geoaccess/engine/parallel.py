"""Batching origins and running batches locally or on a Dask cluster.

The travel-time functions split their origins into batches of ``batch_size`` so
that the (batch x destinations) or (batch x nodes) arrays stay bounded in memory.
Each batch is handed to a *pure* function of the network arrays and the origin
batch, so it can run in this process (``backend="local"``: the numba kernels are
themselves parallel and use every core) or be shipped to Dask workers
(``backend="dask"``) with identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

import numpy as np

__all__ = ["batch_slices", "concat_rows", "progress_bar", "run_batches"]

T = TypeVar("T")
R = TypeVar("R")


def batch_slices(n: int, batch_size: int) -> list[slice]:
    """Split ``range(n)`` into consecutive slices of at most ``batch_size`` items.

    Parameters
    ----------
    n
        Number of items (origins).
    batch_size
        Maximum items per batch; must be a positive integer.

    Returns
    -------
    list of slice
        Empty when ``n == 0``.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        msg = f"batch_size must be a positive integer, got {batch_size!r}."
        raise ValueError(msg)
    b = int(batch_size)
    return [slice(i, min(i + b, n)) for i in range(0, int(n), b)]


def progress_bar(total: int, description: str) -> Any:
    """A rich progress bar (description, bar, done/total, elapsed); start it, ``add_task``, ``advance``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=False,
    )


def run_batches(
    func: Callable[[T], R],
    batches: Iterable[T],
    *,
    backend: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = False,
    description: str = "batches",
) -> list[R]:
    """Apply ``func`` to each batch and return the results in batch order.

    Parameters
    ----------
    func
        A pure, picklable function of one batch (e.g. a :func:`functools.partial` over
        the network arrays and options).
    batches
        The batches (e.g. arrays of origin seeds).
    backend
        ``"local"`` runs the batches one after another in this process (the kernels use all
        cores); ``"dask"`` submits them to a :class:`distributed.Client`.
    client
        The Dask client for ``backend="dask"``; the current default client when ``None``.
    progress
        Show a rich progress bar (one step per finished batch).
    description
        Label of the progress bar.

    Returns
    -------
    list
        ``[func(b) for b in batches]``.
    """
    items: Sequence[T] = list(batches)
    if backend not in ("local", "dask"):
        msg = f"backend must be 'local' or 'dask', got {backend!r}."
        raise ValueError(msg)
    bar = progress_bar(len(items), description) if progress else None
    task = bar.add_task(description, total=len(items)) if bar is not None else None
    results: list[R]
    try:
        if bar is not None:
            bar.start()
        if backend == "local":
            results = []
            for item in items:
                results.append(func(item))
                if bar is not None:
                    bar.advance(task)
            return results
        from distributed import as_completed, get_client

        client = client if client is not None else get_client()
        futures = client.map(func, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(items)
        for fut in as_completed(futures):
            out[index[fut.key]] = fut.result()
            if bar is not None:
                bar.advance(task)
        return out
    finally:
        if bar is not None:
            bar.stop()


def concat_rows(parts: list[np.ndarray], *, n_cols: int) -> np.ndarray:
    """Stack 2-D batch results vertically (an empty (0, n_cols) array when there are none)."""
    if not parts:
        return np.zeros((0, n_cols), dtype=np.float64)
    return np.vstack(parts)
