"""pitchlens: football broadcast video to coordinates in metres, tactics and a SQL-queryable store.

``pitchlens.query(sql, store="store", params=None)`` runs one SELECT over a store and returns a
pyarrow Table (``.to_pandas()`` for pandas).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "query"]


def __getattr__(name: str):
    """``pitchlens.query`` is loaded on first use, so commands that never query do not import DuckDB."""
    if name == "query":
        import importlib

        return importlib.import_module("pitchlens.query")
    raise AttributeError(f"module 'pitchlens' has no attribute {name!r}")
