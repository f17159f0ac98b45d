"""``pitchlens annotate``: a processed match's video with tracks, teams, the pitch model and a radar."""

from __future__ import annotations

from pathlib import Path

import typer


def annotate(
    match_id: str = typer.Option(..., "--match-id", help="Match in the store."),
    out: Path = typer.Option(..., "--out", help="Annotated video to write (.mp4)."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    video: str | None = typer.Option(None, "--video", help="Source video (default: the one recorded in the store)."),
    start: float | None = typer.Option(None, "--start", help="Start at this many seconds."),
    end: float | None = typer.Option(None, "--end", help="Stop at this many seconds."),
    no_pitch: bool = typer.Option(False, "--no-pitch", help="Don't draw the projected pitch model."),
    no_radar: bool = typer.Option(False, "--no-radar", help="Don't add the radar."),
) -> None:
    """Draw tracked players (team colour, id), the ball, the pitch model and a radar on the match video."""
    from pitchlens.annotate import annotate_match

    n = annotate_match(store, match_id, out, video=video, start=start, end=end, draw_pitch=not no_pitch,
                       with_radar=not no_radar)
    typer.echo(f"wrote {out} ({n} frames)")


def register(app: typer.Typer) -> None:
    """Add ``annotate`` to the CLI."""
    app.command("annotate")(annotate)
