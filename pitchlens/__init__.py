"""pitchlens: football broadcast video to coordinates in metres, tactics and a SQL-queryable store.

``pitchlens.query(sql, store="store", params=None)`` runs one SELECT over a store and returns a
pyarrow Table (``.to_pandas()`` for pandas). ``pitchlens.to_kloppy(store, match_id)`` gives a stored match as a
kloppy ``TrackingDataset``; ``pitchlens.write_cdf(store, match_id, out_dir)`` writes it in the Common Data Format.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "query", "to_kloppy", "write_cdf"]


def __getattr__(name: str):
    """``pitchlens.query``, ``pitchlens.to_kloppy`` and ``pitchlens.write_cdf`` are loaded on first use, so
    commands that never use them do not import DuckDB or kloppy."""
    import importlib

    if name == "query":
        return importlib.import_module("pitchlens.query")
    if name == "to_kloppy":
        return importlib.import_module("pitchlens.exporters").to_kloppy
    if name == "write_cdf":
        return importlib.import_module("pitchlens.cdf").write_cdf
    raise AttributeError(f"module 'pitchlens' has no attribute {name!r}")
