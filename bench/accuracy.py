"""Accuracy benchmark: fixed synthetic clips -> ``pitchlens process --profile demo`` -> ``pitchlens eval``.

Six clips from fixed seeds (9001-9006; kits, light, camera path and zoom differ by seed; 9002 and 9005 have
cut-aways). None of these seeds is a training scene of the demo detector (``pitchlens.detector_training``
skips them). Clips are rendered once under ``bench/out/`` (git-ignored) and reused.

    python bench/accuracy.py                       # six 30 s clips (the reference run)
    python bench/accuracy.py --seconds 10          # quicker, when CPU is short
    python bench/accuracy.py --clips 3 --seconds 6 --render-only
    python bench/accuracy.py --fresh 9041 9042 9043 9044 --fresh-cutaways 9041 9042 \
        --store bench/out/store-fresh4 --results /tmp/fresh.md   # clips no setting was tuned on

Writes the table and the mean to ``bench/RESULTS_accuracy.md`` (``--results`` to change).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitchlens.detector_training import BENCHMARK_SEEDS  # noqa: E402

CUTAWAY_SEEDS = (9002, 9005)
SHOW = ("det_ap50_player", "det_ap50_ball", "hota_pitch", "idf1_pitch", "mota_pitch", "id_switches",
        "id_switches_per_person_min", "idf1_image",
        "pos_err_median_m", "pos_err_p95_m", "ball_err_median_m", "ball_seen_share", "calib_err_median_m",
        "calib_err_p95_m", "usable_homography_share", "shot_accuracy", "team_accuracy")


def clip_dir(out: Path, seed: int, seconds: float) -> Path:
    """Folder of one rendered benchmark clip."""
    return out / f"clip-{seed}-{seconds:g}s"


def render(out: Path, seed: int, seconds: float, cutaways: bool | None = None) -> tuple[Path, float | None]:
    """Render the clip unless it is already there (``cutaways``: with cut-aways; default: the benchmark's choice
    for the seed); returns its folder and the rendering time (None if reused)."""
    from pitchlens.synth.render import default_workers, render_clip

    d = clip_dir(out, seed, seconds)
    if (d / "clip.mp4").exists() and (d / "truth" / "meta.json").exists():
        return d, None
    t0 = time.perf_counter()
    render_clip(d, seconds=seconds, seed=seed, size=(1280, 720), fps=25.0, motion="sim",
                cutaways=seed in CUTAWAY_SEEDS if cutaways is None else cutaways, workers=default_workers())
    return d, time.perf_counter() - t0


def process_and_eval(d: Path, store: Path, seed: int, stride: int, device: str,
                     weights: str | None = None) -> tuple[dict, float]:
    """Run the pipeline with the demo profile on one clip and score it."""
    from pitchlens.config import load_config
    from pitchlens.evaluation import evaluate
    from pitchlens.job import process_video

    det = {"profile": "demo", "device": device} | ({"weights": weights} if weights else {})
    cfg = load_config(overrides={"detector": det})
    match_id = f"bench-{seed}"
    t0 = time.perf_counter()
    r = process_video(d / "clip.mp4", cfg, store=store, match_id=match_id, stride=stride)
    dt = time.perf_counter() - t0
    res = evaluate(d, store, match_id)
    res["stage_seconds"] = {k: round(v, 1) for k, v in r.stage_seconds.items()}
    return res, dt


def code_version() -> str:
    """The commit the benchmark ran at (with ``+changes`` when the working tree differs from it)."""
    import subprocess

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    return rev + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def fmt(v: object) -> str:
    """Markdown cell of a figure."""
    if v is None:
        return "—"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def markdown(rows: list[dict], args: argparse.Namespace, notes: list[str]) -> str:
    """The results file: settings, one row per clip, the mean."""
    head = "| clip | " + " | ".join(SHOW) + " |"
    sep = "|" + "---|" * (len(SHOW) + 1)
    lines = ["# Accuracy benchmark (bench/accuracy.py)", "",
             f"Clips: {len(rows)} x {args.seconds:g} s, 1280x720, 25 fps, seeds "
             f"{', '.join(str(r['seed']) for r in rows)} (cut-aways: {', '.join(map(str, cutaway_seeds(args)))}); "
             f"pipeline `--profile demo`, stride {args.stride}, device {args.device}.", "", *notes, "", head, sep]
    for r in rows:
        lines.append(f"| {r['seed']} | " + " | ".join(fmt(r['eval'].get(k)) for k in SHOW) + " |")
    mean = mean_row(rows)
    lines.append("| **mean** | " + " | ".join(fmt(mean[k]) for k in SHOW) + " |")
    return "\n".join(lines) + "\n"


def cutaway_seeds(args: argparse.Namespace) -> tuple[int, ...]:
    """The seeds rendered with cut-aways: the benchmark's, or those of ``--fresh-cutaways`` with ``--fresh``."""
    return tuple(args.fresh_cutaways) if args.fresh else CUTAWAY_SEEDS


def mean_row(rows: list[dict]) -> dict:
    """Mean of each figure over the clips where it is not null."""
    out = {}
    for k in SHOW:
        vals = [r["eval"][k] for r in rows if r["eval"].get(k) is not None]
        out[k] = (sum(vals) / len(vals)) if vals else None
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=30.0, help="clip length (reference: 30)")
    ap.add_argument("--clips", type=int, default=6, help="how many of the six clips (reference: 6)")
    ap.add_argument("--stride", type=int, default=1, help="process every N-th frame (reference: 1)")
    ap.add_argument("--device", default="auto", help="detector device: auto | cpu | cuda:N")
    ap.add_argument("--weights", default=None, help="demo weights (default: weights/pitchlens-demo.pt)")
    ap.add_argument("--seeds", type=int, nargs="+", default=None, help="run these benchmark seeds only")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--store", type=Path, default=None, help="store of the runs (default: OUT/store-<seconds>s)")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS_accuracy.md")
    ap.add_argument("--render-only", action="store_true", help="only render the clips")
    ap.add_argument("--fresh", type=int, nargs="+", default=None,
                    help="other seeds instead: clips no setting was chosen on (not training seeds of any model)")
    ap.add_argument("--fresh-cutaways", type=int, nargs="*", default=[],
                    help="those of the --fresh seeds rendered with cut-aways")
    args = ap.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    if args.fresh:
        from pitchlens.reid_training import ReidSettings

        trained = set(ReidSettings().seeds) | set(BENCHMARK_SEEDS)
        if taken := sorted(set(args.fresh) & trained):
            ap.error(f"--fresh: {taken} are benchmark or embedding-training seeds")
        if stray := sorted(set(args.fresh_cutaways) - set(args.fresh)):
            ap.error(f"--fresh-cutaways: {stray} are not among the --fresh seeds")
        seeds = list(args.fresh)
    else:
        seeds = args.seeds or BENCHMARK_SEEDS[: max(1, min(args.clips, len(BENCHMARK_SEEDS)))]
        unknown = sorted(set(seeds) - set(BENCHMARK_SEEDS))
        if unknown:
            ap.error(f"not benchmark seeds: {unknown} (they are {list(BENCHMARK_SEEDS)})")
    store = args.store or args.out / f"store-{args.seconds:g}s"
    rows, notes = [], [f"- code: commit {code_version()}; weights: {args.weights or 'weights/pitchlens-demo.pt'}"]
    for seed in seeds:
        d, t_render = render(args.out, seed, args.seconds, (seed in args.fresh_cutaways) if args.fresh else None)
        if t_render is not None:
            notes.append(f"- rendered seed {seed} ({args.seconds:g} s) in {t_render:.0f} s")
            print(f"rendered {d} in {t_render:.0f} s", flush=True)
        if args.render_only:
            continue
        res, t_proc = process_and_eval(d, store, seed, args.stride, args.device, args.weights)
        notes.append(f"- processed seed {seed} in {t_proc:.0f} s ({res['frames_scored']} frames scored; stage seconds "
                     f"{res['stage_seconds']})")
        print(f"seed {seed}: processed in {t_proc:.0f} s; " + json.dumps({k: res[k] for k in SHOW}), flush=True)
        rows.append({"seed": seed, "eval": res})
    if args.render_only:
        return
    table = Table(title=f"accuracy: {len(rows)} clips x {args.seconds:g} s, demo profile")
    table.add_column("figure")
    for r in rows:
        table.add_column(str(r["seed"]), justify="right")
    table.add_column("mean", justify="right", style="bold")
    mean = mean_row(rows)
    for k in SHOW:
        table.add_row(k, *(fmt(r["eval"].get(k)) for r in rows), fmt(mean[k]))
    Console().print(table)
    args.results.write_text(markdown(rows, args, notes))
    summary = json.dumps({"rows": rows, "mean": mean}, indent=1, default=str)
    (args.out / f"accuracy-{args.seconds:g}s.json").write_text(summary)


if __name__ == "__main__":
    main()
