"""``pitchlens calibrate``: the pitch homography and shot type of every frame, written as the ``frames`` table."""

from __future__ import annotations

from pathlib import Path

import typer


def calibrate(
    video: Path = typer.Argument(..., help="The video file."),
    store: Path = typer.Option(None, "--store", help="Store root: commit the frames table to it."),
    out: Path = typer.Option(None, "--out", help="Write the frames table to this Parquet file."),
    match_id: str = typer.Option(None, "--match-id", help="Match id (default: the video file name)."),
    config: Path = typer.Option(None, "--config", help="YAML config (its calibration: section is used)."),
    method: str = typer.Option(None, "--method", help="lines | keypoints | manual (overrides the config)."),
    overlay: Path = typer.Option(None, "--overlay", help="Also write a video with the pitch model drawn on."),
    max_frames: int = typer.Option(0, "--max-frames", help="Stop after this many frames (0: all)."),
    workers: int = typer.Option(1, "--workers", help="Processes, each calibrating its own time windows."),
    window: float = typer.Option(20.0, "--window", help="Seconds of video per window (with --workers > 1)."),
) -> None:
    """Calibrate every frame of VIDEO and write the frames table alone (no detection, no tracking)."""

    from cv.calibration import CalibrationConfig, build_calibrator
    from cv.calibration.overlay import draw_pitch
    from cv.video import VideoReader, write_video
    from pitchlens.errors import InputError
    from pitchlens.schema import FRAMES, conform, write_parquet

    if store is None and out is None:
        raise InputError("calibrate: give --store DIR or --out FILE.parquet")
    cfg = _load(config)
    if method:
        cfg.method = method
    cal = build_calibrator(CalibrationConfig.from_dict(vars(cfg)))
    mid = match_id or video.stem
    reader = VideoReader(video)
    rows: list[dict] = []
    drawn: list = []
    pool = None
    if workers > 1:
        from cv.calibration.parallel import WindowPool

        info = reader.info
        duration = info.duration_claimed or (info.frames_claimed or 0) / (info.fps or 25.0)
        pool = WindowPool(video, cal.cfg, duration=duration, workers=workers,
                          window_s=window, end=max_frames / (info.fps or 25.0) if max_frames else None)

    def one_by_one():
        for i, t, img in reader:
            yield cal.update(img, frame=i, t=t), img

    def pooled():  # the frames are decoded here again only for the overlay
        images = iter(reader) if overlay is not None else None
        for res in pool.results():
            yield res, None if images is None else next(images)[2]

    try:
        for res, img in pooled() if pool is not None else one_by_one():
            rows.append({"match_id": mid} | res.row())
            if overlay is not None:
                lab = f"{res.frame} {res.shot} {res.method} {'usable' if res.usable else 'unusable'}"
                drawn.append(draw_pitch(img, res.H, label=lab))
            if max_frames and len(rows) >= max_frames:
                break
    finally:
        if pool is not None:
            pool.close()
    table = conform({k: [r[k] for r in rows] for k in FRAMES.names}, FRAMES)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_parquet(table, out)
    if store is not None:
        from pitchlens.store import Store

        Store(store).ensure().commit(mid, {"frames": table}, replace=False)
    if overlay is not None:
        write_video(overlay, drawn, fps=reader.info.fps or 25.0)
    usable = sum(r["usable"] for r in rows)
    main = sum(r["shot"] == "main" for r in rows)
    typer.echo(f"{len(rows)} frames, {main} main camera, {usable} with a usable homography")


def _load(config: Path | None):
    from cv.calibration import CalibrationConfig

    if config is None:
        return CalibrationConfig()
    try:
        from pitchlens.config import load_config

        c = load_config(config)
        sec = getattr(c, "calibration", None)
        if isinstance(sec, CalibrationConfig):
            return sec
        return CalibrationConfig.from_dict(sec if isinstance(sec, dict) else None)
    except ImportError:  # pragma: no cover - config module missing
        return CalibrationConfig()


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the CLI."""
    app.command("calibrate")(calibrate)
