"""``pitchlens import-tracking``, ``pitchlens tactics`` and ``pitchlens scenario list|run``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import typer

from pitchlens.errors import StoreError


def _tactics_config(config: Path | None):  # noqa: ANN202 - TacticsConfig
    from pitchlens.config import load_config
    from tactics.config import TacticsConfig

    cfg = load_config(config).tactics
    return cfg if isinstance(cfg, TacticsConfig) else TacticsConfig()


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def import_tracking_cmd(
    provider: str = typer.Option(..., "--provider",
                                 help="skillcorner | pff | sportec | metrica | secondspectrum | tracab"),
    raw_data: Path = typer.Option(..., "--raw-data", help="Tracking file (Metrica CSV: the home team's file)."),
    meta_data: Path = typer.Option(..., "--meta-data", help="Metadata file (Metrica CSV: the away team's file)."),
    roster: Path | None = typer.Option(None, "--roster", help="Roster file (PFF only)."),
    match_id: str | None = typer.Option(None, "--match-id", help="Id in the store (default: provider and game id)."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    config: Path | None = typer.Option(None, "--config", help="YAML merged over configs/default.yaml."),
    tactics: bool = typer.Option(True, "--tactics/--no-tactics", help="Also compute every tactics table."),
) -> None:
    """Import a provider's tracking data (via kloppy) into the store as tracks with provenance 'imported'."""
    from pitchlens.analysis import compute_tactics
    from pitchlens.importers import import_tracking
    from pitchlens.store import Store

    cfg = _tactics_config(config) if tactics else None
    t0 = time.perf_counter()
    im = import_tracking(provider, raw_data, meta_data, match_id=match_id, roster=roster)
    tables: dict[str, pa.Table] = {"tracks": im.tracks, "matches": im.matches}
    if tactics:
        tables.update(compute_tactics(im.tracks, im.match_id, im.fps, cfg))
    Store(store).commit(im.match_id, tables, replace=True)
    _say(f"{im.match_id}: {im.tracks.num_rows} track rows, {im.matches.column('frames')[0].as_py()} frames "
         f"at {im.fps:g} fps, {im.periods} periods{', tactics' if tactics else ''} -> {store} "
         f"({time.perf_counter() - t0:.1f} s)")


def _fps_of(st, match_id: str, tracks: pa.Table) -> float:  # noqa: ANN001
    m = st.read("matches", match_id)
    if m.num_rows and m.column("fps")[0].is_valid and (m.column("fps")[0].as_py() or 0) > 0:
        return float(m.column("fps")[0].as_py())
    f = np.unique(tracks.column("frame").to_numpy())
    t = np.unique(tracks.column("t").to_numpy())
    if len(f) > 1 and len(t) > 1 and t[-1] > t[0]:
        return float((f[-1] - f[0]) / (t[-1] - t[0]))
    raise StoreError(f"match {match_id}: cannot tell the frame rate (no matches.fps, too few frames)")


def tactics_cmd(
    match_id: str = typer.Option(..., "--match-id", help="Match in the store."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    config: Path | None = typer.Option(None, "--config", help="YAML merged over configs/default.yaml."),
) -> None:
    """Recompute the tactics tables of a stored match from its tracks (other tables are kept)."""
    from pitchlens.analysis import compute_tactics
    from pitchlens.store import Store

    st = Store(store)
    if not st.exists:
        raise StoreError(f"{store}: no such store")
    if st.manifest(match_id) is None:
        raise StoreError(f"{store}: no match {match_id!r} (see `pitchlens matches`)")
    tracks = st.read("tracks", match_id)
    if tracks.num_rows == 0:
        raise StoreError(f"{store}: match {match_id} has no tracks")
    t0 = time.perf_counter()
    tables = compute_tactics(tracks, match_id, _fps_of(st, match_id, tracks), _tactics_config(config))
    st.commit(match_id, tables, replace=False)
    rows = ", ".join(f"{k} {v.num_rows}" for k, v in tables.items())
    _say(f"{match_id}: {rows} ({time.perf_counter() - t0:.1f} s)")


scenario_app = typer.Typer(no_args_is_help=True, help="Named, parameterised SQL questions over the store.")


@scenario_app.command("list")
def scenario_list(
    fmt: str = typer.Option("table", "--format", help="table | csv | json | parquet."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """List the scenarios with their parameters."""
    from pitchlens.output import write_result
    from pitchlens.scenarios import list_scenarios

    rows = []
    for s in list_scenarios():
        ps = "; ".join(f"{p.name} ({p.type}{', required' if p.required else f', default {p.default}'}): {p.help}"
                       for p in s.params)
        rows.append({"name": s.name, "description": s.description, "parameters": ps})
    write_result(pa.Table.from_pylist(rows), fmt, str(out) if out else None, title="scenarios")


@scenario_app.command("run")
def scenario_run(
    name: str = typer.Argument(..., help="Scenario name (see `pitchlens scenario list`)."),
    param: list[str] = typer.Option([], "--param", help="NAME=VALUE, repeatable."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json | parquet."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Run a scenario with its parameters bound by DuckDB."""
    from pitchlens.output import write_result
    from pitchlens.scenarios import parse_params, run_scenario

    table = run_scenario(name, parse_params(param), store=store)
    write_result(table, fmt, str(out) if out else None, title=name)


def register(app: typer.Typer) -> None:
    """Add ``import-tracking``, ``tactics`` and ``scenario`` to the CLI."""
    app.command("import-tracking")(import_tracking_cmd)
    app.command("tactics")(tactics_cmd)
    app.add_typer(scenario_app, name="scenario")
