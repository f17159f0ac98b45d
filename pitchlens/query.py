"""SQL over the store: DuckDB views named after the tables, read-only, no other file access."""

from __future__ import annotations

import os
import sys
import time
import types
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from pitchlens.errors import QueryError, StoreError
from pitchlens.schema import TABLES
from pitchlens.store import Store

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def connect(store: str | os.PathLike | Store = "store") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per store table, locked to the store's files.

    External file access is disabled and the configuration locked once the views exist, so
    SQL run on this connection can read the committed match files and nothing else on disk.
    """
    st = store if isinstance(store, Store) else Store(store)
    if not st.root.exists():
        raise StoreError(f"{st.root}: no such store (run `pitchlens process` first or pass --store)")
    if st.root.exists() and (st.root / "_store.json").exists():
        st._check_version()
    con = duckdb.connect(":memory:")
    allowed: list[str] = []
    snap = Store(st.root.resolve()).snapshot()  # absolute paths, resolved once
    for name, schema in TABLES.items():
        files = [str(p) for p in snap[name]]
        if files:
            allowed += files
            lst = ", ".join(_sql_str(f) for f in files)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{lst}])")
        else:
            cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}" for f in schema)
            con.execute(f"CREATE VIEW {name} AS SELECT {cols} WHERE false")
    if allowed:
        con.execute("SET allowed_paths = " + "[" + ", ".join(_sql_str(f) for f in allowed) + "]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _duck_type(t: pa.DataType) -> str:
    """The DuckDB type of an Arrow type used in the store's schemas."""
    if pa.types.is_fixed_size_list(t):
        return f"{_duck_type(t.value_type)}[{t.list_size}]"
    if pa.types.is_list(t):
        return f"{_duck_type(t.value_type)}[]"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    simple = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.int16(): "SMALLINT",
              pa.float64(): "DOUBLE", pa.float32(): "FLOAT", pa.bool_(): "BOOLEAN", pa.date32(): "DATE"}
    if t in simple:
        return simple[t]
    raise TypeError(f"no DuckDB type for {t}")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def check_select(sql: str, con: duckdb.DuckDBPyConnection) -> None:
    """Raise QueryError unless ``sql`` is exactly one read-only statement (SELECT / WITH / EXPLAIN)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise QueryError(f"SQL: {_first_line(e)}") from e
    if len(statements) != 1:
        raise QueryError(f"SQL: expected one statement, got {len(statements)}")
    if statements[0].type not in _ALLOWED:
        raise QueryError(f"SQL: only SELECT queries are allowed (got {statements[0].type.name})")


def query(
    sql: str,
    store: str | os.PathLike | Store = "store",
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """Run one SELECT over the store and return a pyarrow Table (``.to_pandas()`` for pandas).

    ``params`` are bound by DuckDB (``?`` positional or ``$name`` named), never pasted into the SQL.
    """
    own = con is None
    for attempt in range(6):
        c = con or connect(store)
        try:
            check_select(sql, c)
            try:
                rel = c.sql(sql, params=params) if params is not None else c.sql(sql)
                return rel.to_arrow_table() if rel is not None else pa.table({})
            except duckdb.Error as e:
                # a match re-committed between reading the manifests and scanning: read them again
                if own and attempt < 5 and _vanished_file(e):
                    time.sleep(0.02 * (attempt + 1))
                    continue
                raise QueryError(f"SQL: {_first_line(e)}") from e
        finally:
            if own:
                c.close()
    raise AssertionError("unreachable")


def _vanished_file(e: BaseException) -> bool:
    msg = str(e)
    return ("Cannot access file" in msg or "No such file" in msg) and ".parquet" in msg


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


class _CallableModule(types.ModuleType):
    """Lets ``pitchlens.query(sql, store=...)`` call :func:`query` while the module stays importable."""

    def __call__(self, sql: str, store: str | os.PathLike | Store = "store",
                 params: Sequence[Any] | Mapping[str, Any] | None = None) -> pa.Table:
        return query(sql, store=store, params=params)


sys.modules[__name__].__class__ = _CallableModule
