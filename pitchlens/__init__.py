"""pitchlens: football broadcast video to coordinates in metres, tactics and a SQL-queryable store.

``pitchlens.query(sql, store="store", params=None)`` runs one SELECT over a store and returns a
pyarrow Table (``.to_pandas()`` for pandas).
"""

from __future__ import annotations

__version__ = "0.1.0"

from pitchlens import query  # noqa: E402  (callable module: pitchlens.query(sql, store=...))

__all__ = ["__version__", "query"]
