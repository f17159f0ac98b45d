"""``pitchlens report``: one HTML page of a stored match's figures and pitch plots."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    match_id: str = typer.Option(..., "--match-id", help="Match in the store."),
    out: Path = typer.Option(Path("report.html"), "--out", help="HTML file to write."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
) -> None:
    """Team and player figures (distance, possession, pressing, formations) and pitch plots, as one HTML page."""
    from pitchlens.report import write_report

    typer.echo(f"wrote {write_report(store, match_id, out)}")


def register(app: typer.Typer) -> None:
    """Add ``report`` to the CLI."""
    app.command("report")(report)
