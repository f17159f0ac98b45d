"""Named, parameterised SQL over the store.

Each scenario is one ``<name>.sql`` file in this folder. Its header lines declare it::

    -- description: one line saying what the query answers
    -- param team: string, required. The pressing team (home or away).
    -- param window_kind: string = fixed. Formation windows used (fixed or possession).

Parameters are bound by DuckDB as ``$name`` (never pasted into the SQL); a ``= null`` default binds NULL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pyarrow as pa

from pitchlens.errors import InputError, QueryError

_TYPES = {"string": str, "int": int, "float": float, "bool": bool}
_PARAM_RE = re.compile(r"^--\s*param\s+(\w+)\s*:\s*(\w+)\s*(?:=\s*(\S+?))?\s*(,\s*required)?\.\s+(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    required: bool
    help: str


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    params: tuple[Param, ...]
    sql: str


def _convert(value: Any, typ: str, where: str) -> Any:
    if value is None or (isinstance(value, str) and value.lower() == "null"):
        return None
    if typ == "bool":
        if isinstance(value, bool):
            return value
        s = str(value).lower()
        if s in ("true", "1", "yes"):
            return True
        if s in ("false", "0", "no"):
            return False
        raise InputError(f"{where}: expected true or false, got {value!r}")
    try:
        return _TYPES[typ](value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: expected {typ}, got {value!r}") from None


def _parse(name: str, text: str) -> Scenario:
    desc = ""
    params = []
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("--"):
            if s:
                break
            continue
        if s.lower().startswith("-- description:"):
            desc = s.split(":", 1)[1].strip()
            continue
        m = _PARAM_RE.match(s)
        if m:
            pname, typ, default, req, help_ = m.groups()
            if typ not in _TYPES:
                raise QueryError(f"scenario {name}: parameter {pname}: unknown type {typ}")
            dv = _convert(default.strip(), typ, f"scenario {name}: {pname}") if default is not None else None
            params.append(Param(pname, typ, dv, bool(req), help_.strip()))
    if not desc:
        raise QueryError(f"scenario {name}: missing '-- description:' line")
    return Scenario(name, desc, tuple(params), text)


def list_scenarios() -> list[Scenario]:
    """Every scenario, sorted by name."""
    out = []
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".sql"):
            out.append(_parse(entry.name[:-4], entry.read_text()))
    return sorted(out, key=lambda s: s.name)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    for s in list_scenarios():
        if s.name == name:
            return s
    known = ", ".join(s.name for s in list_scenarios())
    raise QueryError(f"scenario {name!r}: no such scenario (known: {known})")


def bind(scenario: Scenario, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Typed values for every parameter of ``scenario`` from ``given`` (strings are converted)."""
    given = dict(given or {})
    known = {p.name for p in scenario.params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"--param {unknown[0]}: scenario {scenario.name} has no such parameter "
                         f"(parameters: {', '.join(sorted(known)) or 'none'})")
    out = {}
    for p in scenario.params:
        if p.name in given:
            out[p.name] = _convert(given[p.name], p.type, f"--param {p.name}")
        elif p.required:
            raise InputError(f"--param {p.name}: required by scenario {scenario.name} ({p.help})")
        else:
            out[p.name] = p.default
    return out


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``["k=v", ...]`` from the command line -> dict."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"--param {item}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def run_scenario(name: str, params: Mapping[str, Any] | None = None, store: str | os.PathLike = "store") -> pa.Table:
    """Run scenario ``name`` over the store with its parameters bound by DuckDB."""
    from pitchlens.query import query

    sc = get_scenario(name)
    return query(sc.sql, store=store, params=bind(sc, params))
