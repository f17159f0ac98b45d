"""The ``pitchlens`` command line."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from cv.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Football broadcast video to coordinates in metres, tactics and a SQL-queryable store.")
console = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors.")) -> None:
    _state["debug"] = debug


class _FpsColumn(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # noqa: D401 - rich column protocol
        from rich.text import Text

        speed = task.finished_speed or task.speed
        return Text(f"{speed:6.1f} fps" if speed else "   … fps", style="cyan")


@app.command()
def process(
    video: Path = typer.Argument(..., help="Match video file."),
    match_id: str | None = typer.Option(None, "--match-id", help="Id in the store (default: the file name)."),
    config: Path | None = typer.Option(None, "--config", help="YAML merged over configs/default.yaml."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    profile: str | None = typer.Option(None, "--profile", help="Detector profile: coco | football | demo."),
    weights: str | None = typer.Option(None, "--weights", help="YOLO weights (.pt) to use."),
    device: str | None = typer.Option(None, "--device", help="auto | cpu | cuda:N."),
    start: float | None = typer.Option(None, "--start", help="Start at this many seconds."),
    end: float | None = typer.Option(None, "--end", help="Stop at this many seconds."),
    stride: int | None = typer.Option(None, "--stride", help="Keep every N-th frame."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Turn a match video into detections, tracks in metres and tactics in the store."""
    from pitchlens.config import load_config
    from pitchlens.job import process_video

    overrides: dict = {"detector": {}}
    if profile:
        overrides["detector"]["profile"] = profile
    if weights:
        overrides["detector"]["weights"] = weights
    if device:
        overrides["detector"]["device"] = device
    cfg = load_config(config, overrides)
    progress_bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("frames"), _FpsColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                            TimeRemainingColumn(), console=console, disable=quiet, transient=False)
    task = None

    def on_progress(kind: str, n: int, total: int | None) -> None:
        nonlocal task
        if kind == "start":  # a second start: the pass that tracks after the pooled calibration
            desc = video.name if task is None else f"{video.name}: calibration and tracking"
            task = progress_bar.add_task(desc, total=total)
        elif task is not None:
            progress_bar.advance(task, n)

    with progress_bar:
        res = process_video(video, cfg, store=store, match_id=match_id, start=start, end=end, stride=stride,
                            progress=on_progress)
    if not quiet:
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in res.stage_seconds.items())
        console.print(f"[green]{res.match_id}[/]: {res.frames} frames, {res.detections} detections, "
                      f"{res.tracks} track points in {res.seconds:.1f}s ({stages}); status {res.status}")
    if res.status != "complete":
        console.print(f"[red]error[/]: {video}: {res.status.removeprefix('partial: ')} "
                      f"(the {res.frames} decoded frames are stored as match {res.match_id}, status partial)",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(3)


@app.command()
def query(
    sql: str = typer.Argument(..., help="One SELECT statement over the store's tables."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json | parquet."),
    out: str | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Run SQL over the store (read-only; views: matches, frames, detections, tracks, …)."""
    from pitchlens.output import write_result
    from pitchlens.query import query as run

    write_result(run(sql, store=store), fmt, out)


@app.command()
def matches(store: Path = typer.Option(Path("store"), "--store", help="Store directory."),
            fmt: str = typer.Option("table", "--format", help="table | csv | json | parquet."),
            out: str | None = typer.Option(None, "--out")) -> None:
    """List the matches the store holds."""
    from pitchlens.output import write_result
    from pitchlens.query import query as run

    table = run("SELECT match_id, source, round(duration, 2) AS duration, frames, status, processed_at "
                "FROM matches ORDER BY match_id", store=store)
    write_result(table, fmt, out, title=f"matches in {store}")


def _register_commands() -> None:
    import pitchlens.commands as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"pitchlens.commands.{mod.name}")
        if hasattr(module, "register"):
            module.register(app)


_register_commands()


def main() -> None:
    """Entry point: runs the CLI, printing user errors as one line (``--debug`` for tracebacks)."""
    try:
        app()
    except UserError as e:
        if _state["debug"] or "--debug" in sys.argv:
            traceback.print_exc()
        console.print(f"[red]error[/]: {e}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]: work done so far is kept; run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
