"""``pitchlens demo``: the whole pipeline on a built-in synthetic clip, ending with a SQL answer."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()

DEMO_SQL = """
SELECT team, role, count(DISTINCT track_id) AS tracks, count(*) AS points,
       round(avg(x), 1) AS mean_x_m, round(avg(y), 1) AS mean_y_m, round(max(speed), 1) AS top_speed_ms
FROM tracks WHERE match_id = ? GROUP BY team, role ORDER BY role, team
"""


def demo(
    workdir: Path = typer.Option(Path("demo"), "--workdir", help="Where the clip and the store are written."),
    seconds: float = typer.Option(8.0, "--seconds", help="Length of the synthetic clip."),
    seed: int = typer.Option(9001, "--seed", help="Seed of the synthetic clip."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda:N."),
) -> None:
    """Render a synthetic match clip, process it with the demo detector, and query the store."""
    from pitchlens.config import load_config
    from pitchlens.job import process_video
    from pitchlens.output import write_result
    from pitchlens.query import query
    from pitchlens.synth.render import default_workers, render_clip

    clip_dir = workdir / f"clip-{seed}"
    store = workdir / "store"
    if not (clip_dir / "clip.mp4").exists():
        console.print(f"rendering a {seconds:g} s synthetic broadcast clip (seed {seed}) …")
        render_clip(clip_dir, seconds=seconds, seed=seed, size=(1280, 720), workers=default_workers())
    cfg = load_config(overrides={"detector": {"profile": "demo", "device": device}})
    console.print(f"processing {clip_dir / 'clip.mp4'} with the demo detector …")
    res = process_video(clip_dir / "clip.mp4", cfg, store=store, match_id="demo")
    console.print(f"{res.frames} frames, {res.detections} detections, {res.tracks} track points "
                  f"in {res.seconds:.1f} s; store: {store}")
    console.print(f"\n[bold]SQL[/]: {' '.join(DEMO_SQL.split())}  (? = 'demo')")
    write_result(query(DEMO_SQL, store=store, params=["demo"]), "table", None, console=console)
    from pitchlens.commands.eval import report_table
    from pitchlens.evaluation import evaluate

    console.print("\n[bold]Accuracy against the synthetic ground truth[/]")
    console.print(report_table(evaluate(clip_dir / "truth", store, "demo"), "demo"))
    from pitchlens.report import write_report

    console.print(f"\nmatch report (figures and pitch plots): {write_report(store, 'demo', workdir / 'report.html')}")
    from pitchlens.cdf import write_cdf

    cdf = write_cdf(store, "demo", workdir / "cdf")
    console.print(f"Common Data Format: {cdf.meta} and {cdf.tracking} ({cdf.frames} frames, {cdf.players} players)")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
