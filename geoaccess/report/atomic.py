"""Atomic file output: write to a temporary file in the same folder, then rename.

A crash or a full disk never leaves a half-written output under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_table"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    Parameters
    ----------
    path
        Final output path. Its folder is created if needed.
    suffix
        Suffix of the temporary file (defaults to the final suffix, so drivers that
        infer the format from the extension, such as GDAL's, keep working).
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=suffix or "".join(final.suffixes), dir=final.parent)
    os.close(fd)
    os.unlink(tmp)  # let the writer create it; GDAL refuses to overwrite some empty files
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_table(df: object, path: str | os.PathLike[str]) -> Path:
    """Write a (Geo)DataFrame atomically as CSV, Parquet/GeoParquet or GeoPackage, chosen by suffix.

    Parameters
    ----------
    df
        A :class:`pandas.DataFrame` or :class:`geopandas.GeoDataFrame`.
    path
        ``.csv``, ``.parquet`` or ``.gpkg``.
    """
    import geopandas as gpd

    final = Path(path)
    ext = final.suffix.lower()
    with atomic_path(final) as tmp:
        if ext == ".csv":
            frame = df.drop(columns="geometry") if isinstance(df, gpd.GeoDataFrame) else df
            frame.to_csv(tmp, index=False)
        elif ext in {".parquet", ".geoparquet"}:
            df.to_parquet(tmp, index=False)
        elif ext == ".gpkg":
            df.to_file(tmp, driver="GPKG", layer=final.stem)
        else:
            msg = f"Cannot write {final}: use a .csv, .parquet or .gpkg file name."
            raise ValueError(msg)
    return final
