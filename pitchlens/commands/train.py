"""``pitchlens train-detector`` / ``train-numbers`` / ``train-reid``: train the demo detector, the shirt-number
reader and the re-identification embedding on synthetic footage."""

from __future__ import annotations

from pathlib import Path

import typer

from pitchlens.errors import ConfigError


def train_detector(
    out: Path = typer.Option(Path("weights/pitchlens-demo.pt"), "--out", help="Where the trained weights go."),
    images: int = typer.Option(1200, "--images", min=1, help="Training crops (validation adds 10%)."),
    epochs: int = typer.Option(8, "--epochs", min=1, help="Training epochs."),
    imgsz: int = typer.Option(320, "--imgsz", min=64, help="Crop side in pixels (native resolution)."),
    seed: int = typer.Option(1000, "--seed", help="Base seed of the training scenes (validation: seed + 1)."),
    workdir: Path = typer.Option(Path("runs/train-detector"), "--workdir", help="Dataset and training run folder."),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda:N."),
    crops_per_frame: int = typer.Option(3, "--crops-per-frame", min=1, help="Crops cut from each rendered frame."),
    batch: int = typer.Option(16, "--batch", min=1, help="Training batch size."),
    dataset: Path | None = typer.Option(None, "--dataset", help="Train on this existing dataset folder "
                                        "(images/ and labels/ train and val splits) instead of rendering one."),
    init: str | None = typer.Option(None, "--init", help="Start from these weights (an earlier run of this "
                                    "command) instead of from scratch."),
    hours: float | None = typer.Option(None, "--hours", min=0.001,
                                       help="Wall-clock training budget in hours; overrides --epochs when set."),
    recipe: Path | None = typer.Option(None, "--recipe", help="Rebuild exactly this recipe's dataset and train "
                                       "with its settings (e.g. weights/pitchlens-demo.recipe.yaml); only --out, "
                                       "--workdir, --device and --jobs apply alongside it."),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Processes rendering a recipe's dataset in parallel; an "
                             "interrupted rendering resumes where it stopped."),
) -> None:
    """Render synthetic frames and train the demo detector (ball/goalkeeper/player/referee)."""
    from pitchlens.detector_training import TrainSettings, load_recipe, train_recipe
    from pitchlens.detector_training import train_detector as run

    if recipe is not None:
        r = load_recipe(recipe)
        if dataset is not None or init is not None:
            raise ConfigError("--recipe: states its own dataset and start weights; drop --dataset/--init")
        target = out if out != Path("weights/pitchlens-demo.pt") else r.out
        _report(train_recipe(r, workdir, target, device, progress=typer.echo, jobs=jobs), target)
        return
    if imgsz % 32:
        raise ConfigError(f"--imgsz: must be a multiple of 32, got {imgsz}")
    s = TrainSettings(images=images, epochs=epochs, imgsz=imgsz, seed=seed, device=device,
                      crops_per_frame=crops_per_frame, batch=batch, hours=hours, init=init)
    _report(run(out, workdir, s, progress=typer.echo, dataset=dataset), out)


def _report(summary: dict, out: Path) -> None:
    v = summary["validation"]
    typer.echo(f"wrote {out} ({summary['weights_bytes'] / 1e6:.1f} MB) in {summary['total_seconds']:.0f} s; "
               f"val mAP50 {v['map50']:.3f} " + " ".join(f"{k} {a:.3f}" for k, a in v["ap50"].items()))


def train_numbers(
    out: Path = typer.Option(Path("weights/pitchlens-jersey.pt"), "--out", help="Where the trained model goes."),
    epochs: int = typer.Option(14, "--epochs", min=1, help="Training epochs."),
    seed: int = typer.Option(2000, "--seed", help="Base seed of the training scenes."),
    shards: int = typer.Option(4, "--shards", min=1, help="Rendering shards (seed + 1000 k), each with the "
                               "frame counts below."),
    broadcast: int = typer.Option(600, "--broadcast-frames", min=0, help="Wide broadcast frames per shard."),
    zoomed: int = typer.Option(900, "--zoomed-frames", min=0, help="Zoomed-in frames per shard."),
    cutaway: int = typer.Option(300, "--cutaway-frames", min=0, help="Cut-away frames per shard."),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Shards rendered in parallel."),
) -> None:
    """Render synthetic frames and train the shirt-number reader (tracking.numbers.weights)."""
    from pitchlens.jersey_training import JerseySettings, train_reader

    if broadcast + zoomed + cutaway == 0:
        raise ConfigError("--broadcast-frames/--zoomed-frames/--cutaway-frames: all zero, nothing to train on")
    s = JerseySettings(broadcast_frames=broadcast, zoomed_frames=zoomed, cutaway_frames=cutaway, seed=seed,
                       shards=shards, epochs=epochs)
    m = train_reader(out, s, log=typer.echo, jobs=jobs)
    typer.echo(f"wrote {out} in {m['seconds']:.0f} s; validation: {m['n']} patches ({m['with_number']} with a "
               f"number), exact {m['exact']:.3f}, numbers read {m['number_recall']:.3f}, "
               f"wrong sure reads {m['wrong_sure_reads']:.3f}")


def train_reid(
    out: Path = typer.Option(Path("weights/pitchlens-reid.pt"), "--out", help="Where the trained model goes."),
    workdir: Path = typer.Option(Path("runs/reid-clips"), "--workdir", help="Where the training clips are rendered "
                                 "(kept: a second run renders only the missing ones)."),
    clips: int = typer.Option(16, "--clips", min=2, help="Training clips (seeds 9201 on, apart from the benchmark's)."),
    seconds: float = typer.Option(12.0, "--seconds", min=1.0, help="Length of each clip."),
    epochs: int = typer.Option(10, "--epochs", min=1, help="Training epochs."),
) -> None:
    """Render synthetic clips and train the re-identification embedding (tracking.reid.weights)."""
    from pitchlens.reid_training import FIRST_SEED, ReidSettings, render_clips, train_embedder

    s = ReidSettings(seeds=list(range(FIRST_SEED, FIRST_SEED + clips)), seconds=seconds, epochs=epochs)
    path = train_embedder(out, render_clips(workdir, s), s, log=typer.echo)
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``train-detector``, ``train-numbers`` and ``train-reid`` to the CLI."""
    app.command("train-detector")(train_detector)
    app.command("train-numbers")(train_numbers)
    app.command("train-reid")(train_reid)
