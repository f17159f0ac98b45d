"""``pitchlens export``: a stored match in the Common Data Format (``meta.json`` + ``tracking.jsonl``)."""

from __future__ import annotations

from pathlib import Path

import typer


def export(
    match_id: str = typer.Option(..., "--match-id", help="Match in the store."),
    out: Path = typer.Option(..., "--out", help="Folder for meta.json and tracking.jsonl."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    kickoff: str | None = typer.Option(None, "--kickoff",
                                       help="UTC time of the video's start, ISO 8601 (default 1970-01-01T00:00Z)."),
    period_start: list[float] = typer.Option([], "--period-start",
                                             help="Seconds at which a later period begins (repeat per period; "
                                                  "default: where time jumps by over 300 s)."),
    competition_id: str = typer.Option("unknown", "--competition-id", help="CDF competition id."),
    season_id: str = typer.Option("unknown", "--season-id", help="CDF season id."),
    venue_id: str = typer.Option("unknown", "--venue-id", help="CDF venue id."),
) -> None:
    """Write a stored match as Common Data Format (CDF v0.3.2) meta data and tracking data."""
    from pitchlens.cdf import write_cdf

    r = write_cdf(store, match_id, out, kickoff=kickoff, period_starts=period_start or None,
                  competition_id=competition_id, season_id=season_id, venue_id=venue_id)
    typer.echo(f"wrote {r.meta} and {r.tracking}: {r.frames} frames, {r.players} players, {r.officials} officials")


def register(app: typer.Typer) -> None:
    """Add ``export`` to the CLI."""
    app.command("export")(export)
