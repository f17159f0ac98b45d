"""``pitchlens synth``: render a synthetic broadcast clip with exact ground truth."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from pitchlens.errors import ConfigError


def _parse_size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size: expected WIDTHxHEIGHT such as 1280x720, got {size!r}") from None
    if w % 2 or h % 2 or w < 64 or h < 36:
        raise ConfigError(f"--size: width and height must be even and at least 64x36, got {size!r}")
    return w, h


def synth(
    out: Path = typer.Option(..., "--out", help="Output folder (clip.mp4 and truth/ are written there)."),
    seconds: float = typer.Option(10.0, "--seconds", min=0.04, help="Clip length in seconds."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same clip and truth."),
    size: str = typer.Option("1280x720", "--size", help="Frame size WIDTHxHEIGHT."),
    fps: float = typer.Option(25.0, "--fps", min=1.0, help="Frames per second."),
    motion: str = typer.Option("sim", "--motion", help="Movement: sim (simulator) or real (tracking data)."),
    cutaways: bool | None = typer.Option(None, "--cutaways/--no-cutaways",
                                         help="Close-ups, a replay and a graphics card (default: the seed decides)."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Real tracking data folder for --motion real."),
    workers: int = typer.Option(0, "--workers", min=0, help="Rendering processes (0: one per core, at most 8); "
                                "the files do not depend on it."),
) -> None:
    """Render a synthetic broadcast clip (H.264) with its ground truth (Parquet)."""
    from pitchlens.synth.render import default_workers, render_clip

    if motion not in ("sim", "real"):
        raise ConfigError(f"--motion: expected 'sim' or 'real', got {motion!r}")
    w, h = _parse_size(size)
    t0 = time.perf_counter()
    path = render_clip(out, seconds=seconds, seed=seed, size=(w, h), fps=fps, motion=motion, cutaways=cutaways,
                       data_dir=data_dir, workers=workers or default_workers())
    typer.echo(f"wrote {path / 'clip.mp4'} and {path / 'truth'} in {time.perf_counter() - t0:.1f} s")


def register(app: typer.Typer) -> None:
    """Add ``synth`` to the CLI."""
    app.command("synth")(synth)
