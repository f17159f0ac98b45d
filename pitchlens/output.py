"""Writing query results as a terminal table, CSV, JSON or Parquet."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from rich.console import Console
from rich.table import Table

from pitchlens.errors import InputError
from pitchlens.schema import write_parquet

FORMATS = ("table", "csv", "json", "parquet")


def _jsonable(v):
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def write_result(table: pa.Table, fmt: str = "table", out: str | None = None, console: Console | None = None,
                 title: str | None = None, max_rows: int = 200) -> None:
    """Write ``table`` in ``fmt`` to ``out`` (a file) or stdout."""
    if fmt not in FORMATS:
        raise InputError(f"--format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        if not out:
            raise InputError("--format parquet: needs --out FILE")
        _write_bytes(out, lambda p: write_parquet(table, p))
        return
    if fmt == "csv":
        buf = io.BytesIO()
        pacsv.write_csv(table, buf)
        text = buf.getvalue().decode()
    elif fmt == "json":
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in table.to_pylist()]
        text = json.dumps(rows, indent=1, default=str) + "\n"
    else:
        t = Table(title=title, show_lines=False)
        for name in table.column_names:
            t.add_column(name, overflow="fold")
        for row in table.slice(0, max_rows).to_pylist():
            t.add_row(*[_fmt_cell(v) for v in row.values()])
        if out:
            c = Console(file=io.StringIO(), width=200, record=True)
            c.print(t)
            text = c.export_text()
        else:
            (console or Console()).print(t)
            if table.num_rows > max_rows:
                (console or Console()).print(f"… {table.num_rows - max_rows} more rows (use --format csv --out FILE)")
            return
    if out:
        _write_bytes(out, lambda p: Path(p).write_text(text))
    else:
        sys.stdout.write(text)


def _fmt_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt_cell(x) for x in v[:9]) + "]"
    return str(v)


def _write_bytes(out: str, fn) -> None:
    try:
        fn(out)
    except OSError as e:
        raise InputError(f"{out}: cannot write ({e.strerror or e})") from e
