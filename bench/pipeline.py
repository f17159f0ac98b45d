"""Pipeline benchmark: decode fps, per-stage ms/frame, end-to-end fps and peak memory.

    python bench/pipeline.py                      # renders a 60 s 720p synthetic clip, demo profile
    python bench/pipeline.py --video match.mp4 --profile coco --weights yolo11m.pt
    python bench/pipeline.py --loop 10            # the same clip looped 10x (a 10 min video) for memory

Each measurement runs in a child process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def _child_decode(video: str) -> dict:
    from cv.video import VideoReader

    t0 = time.perf_counter()
    n = 0
    for b in VideoReader(video).batches(16):
        n += len(b)
    dt = time.perf_counter() - t0
    return {"frames": n, "seconds": dt}


def _child_process(video: str, profile: str, weights: str | None, device: str, stride: int, prefetch: int = 2
                   ) -> dict:
    from pitchlens.config import load_config
    from pitchlens.job import process_video

    over = {"detector": {"profile": profile, "device": device}, "job": {"stride": stride},
            "video": {"prefetch": prefetch}}
    if weights:
        over["detector"]["weights"] = weights
    cfg = load_config(overrides=over)
    store = OUT / "store"
    t0 = time.perf_counter()
    res = process_video(video, cfg, store=store, match_id=Path(video).stem)
    return {"frames": res.frames, "seconds": time.perf_counter() - t0, "stages": res.stage_seconds}


def _run_child(fn: str, *args) -> tuple[dict, float]:
    code = (f"import json,sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'bench')!r});"
            f"import pipeline; print('RESULT', json.dumps(pipeline.{fn}(*{list(args)!r})))")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[7:]), max(peak_kb, before) / 1024


def loop_video(src: Path, times: int, dst: Path) -> Path:
    """Write ``src`` repeated ``times`` times (re-encoded) to ``dst``."""
    from cv.video import VideoReader, write_video

    if dst.exists():
        return dst
    fps = VideoReader(src).info.fps

    def frames():
        for _ in range(times):
            for _, _, img in VideoReader(src):
                yield img

    write_video(dst, frames(), fps=fps)
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path)
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the rendered clip when no --video")
    ap.add_argument("--seed", type=int, default=9100)
    ap.add_argument("--loop", type=int, default=1, help="repeat the clip N times (memory boundedness)")
    ap.add_argument("--profile", default="demo")
    ap.add_argument("--weights")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--prefetch", type=int, default=2, help="video.prefetch: batches decoded and detected ahead")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    video = args.video
    if video is None:
        from pitchlens.synth.render import render_clip

        d = OUT / f"clip-{args.seed}-{args.seconds:g}s"
        if not (d / "clip.mp4").exists():
            t0 = time.perf_counter()
            render_clip(d, seconds=args.seconds, seed=args.seed, size=(1280, 720))
            print(f"rendered {d / 'clip.mp4'} in {time.perf_counter() - t0:.1f} s")
        video = d / "clip.mp4"
    if args.loop > 1:
        video = loop_video(video, args.loop, OUT / f"{video.parent.name}-x{args.loop}.mp4")
    dec, dec_mem = _run_child("_child_decode", str(video))
    proc, proc_mem = _run_child("_child_process", str(video), args.profile, args.weights, args.device, args.stride,
                                args.prefetch)
    n = proc["frames"]
    rows = [("decode only", dec["frames"] / dec["seconds"], 1000 * dec["seconds"] / dec["frames"], dec_mem)]
    for stage, s in proc["stages"].items():
        rows.append((f"stage: {stage}", n / s if s else float("inf"), 1000 * s / n, None))
    rows.append(("end to end", n / proc["seconds"], 1000 * proc["seconds"] / n, proc_mem))
    print(f"\nvideo: {video}  frames processed: {n}  stride: {args.stride}  profile: {args.profile}  "
          f"prefetch: {args.prefetch}")
    print(f"{'measure':<22}{'frames/s':>12}{'ms/frame':>12}{'peak RSS MB':>14}")
    for name, fps, ms, mem in rows:
        print(f"{name:<22}{fps:>12.1f}{ms:>12.2f}{'' if mem is None else f'{mem:>14.0f}'}")


if __name__ == "__main__":
    main()
