"""``pitchlens eval``: score a processed synthetic clip against its truth."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def format_value(v: object) -> str:
    """A figure for display: 3 decimals for floats, '—' for missing."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def report_table(res: dict, match_id: str):
    """The figures of :func:`pitchlens.evaluation.evaluate` as one rich table."""
    from rich.table import Table

    from pitchlens.evaluation import KEYS

    table = Table(title=f"{match_id}: {res['frames_scored']} frames ({res['main_frames_scored']} main camera)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k in KEYS:
        table.add_row(k, format_value(res[k]))
    for cls, ap in (res.get("det_ap50") or {}).items():
        if cls not in ("player", "ball"):
            table.add_row(f"det_ap50_{cls}", format_value(ap))
    return table


def eval_command(
    truth: Path = typer.Option(..., "--truth", help="Rendered clip folder (or its truth/ folder)."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    match_id: str = typer.Option(..., "--match-id", help="Match id of the processed clip in the store."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as one flat JSON object."),
) -> None:
    """Detection AP50, tracking HOTA/IDF1/MOTA, position, calibration, shot and team accuracy against truth."""
    from rich.console import Console

    from pitchlens.evaluation import KEYS, evaluate

    res = evaluate(truth, store, match_id)
    Console().print(report_table(res, match_id))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({k: res[k] for k in KEYS}, indent=1))


def register(app: typer.Typer) -> None:
    """Add ``eval`` to the CLI."""
    app.command("eval")(eval_command)
