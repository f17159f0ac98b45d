"""``pitchlens batch``: many videos, each an idempotent unit, locally or over a Ray cluster."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)


def batch(
    videos: list[Path] = typer.Argument(..., help="Match videos."),
    store: Path = typer.Option(Path("store"), "--store", help="Store directory (shared by all workers with --ray)."),
    config: Path | None = typer.Option(None, "--config", help="YAML merged over configs/default.yaml."),
    profile: str | None = typer.Option(None, "--profile", help="Detector profile: coco | football | demo."),
    weights: str | None = typer.Option(None, "--weights", help="YOLO weights (.pt)."),
    device: str | None = typer.Option(None, "--device", help="auto | cpu | cuda:N."),
    ray: str | None = typer.Option(None, "--ray", help="Run on Ray: 'local' or a cluster address ('auto', ray://…)."),
    gpus: float = typer.Option(0.0, "--gpus-per-match", help="GPUs each match holds on Ray."),
    cpus: float | None = typer.Option(None, "--cpus-per-match",
                                      help="CPUs each match holds on Ray (default: 1 + job.calibration_workers)."),
    force: bool = typer.Option(False, "--force", help="Re-process matches the store already holds."),
) -> None:
    """Process many matches; done matches (same video bytes, same settings) are skipped."""
    from pitchlens.batch import plan, run_local, run_ray
    from pitchlens.config import load_config

    overrides: dict = {"detector": {}}
    if profile:
        overrides["detector"]["profile"] = profile
    if weights:
        overrides["detector"]["weights"] = str(Path(weights).resolve()) if Path(weights).exists() else weights
    if device:
        overrides["detector"]["device"] = device
    cfg = load_config(config, overrides)  # fail fast on a bad config, before any work starts
    if cpus is None:  # a match calibrating in a pool of processes holds their cores too
        cpus = 1.0 + (cfg.job.calibration_workers if cfg.job.calibration_workers >= 2 else 0)
    units = plan([str(v) for v in videos])

    def show(r) -> None:
        colour = {"done": "green", "skipped": "cyan", "failed": "red"}[r.state]
        console.print(f"[{colour}]{r.state:>7}[/] {r.match_id}: {r.detail or f'{r.frames} frames in {r.seconds:.1f}s'}",
                      highlight=False, soft_wrap=True)

    cfg_path = str(config) if config else None
    if ray:
        results = run_ray(units, cfg_path, overrides, str(store), address=None if ray == "local" else ray,
                          gpus_per_unit=gpus, cpus_per_unit=cpus, force=force, on_result=show)
    else:
        results = run_local(units, cfg_path, overrides, str(store), force=force, on_result=show)
    failed = [r for r in results if r.state == "failed"]
    console.print(f"{len(results) - len(failed)} of {len(results)} matches in {store}")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the CLI."""
    app.command("batch")(batch)
