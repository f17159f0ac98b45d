"""Tracker cost per frame, detection excluded: 25 people + ball from the match simulator, one process.

    .venv/bin/python bench/tracking_speed.py --seconds 30 [--images] [--focal 700]

Reports wall-clock and CPU-time (process_time) frames per second of ``MatchTracker.update`` alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tracking_bench import make_clip  # noqa: E402

from tracking import MatchTracker, TrackingConfig  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--images", action="store_true")
    ap.add_argument("--reid", default="", help="with --images: a re-identification model (e.g. pitchlens-reid.pt)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--focal", type=float, default=1900.0, help="camera focal (px); 1000 keeps ~25 people in view")
    a = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    _, frames = make_clip(a.seed, a.seconds, a.images, focal=a.focal)
    from pitchlens.job import build_reid

    reid = build_reid(a.reid) if a.images else None
    objs = sum(len(f.detections) for f in frames) / len(frames)
    best_wall, best_cpu = 0.0, 0.0
    for _ in range(3):
        tr = MatchTracker(TrackingConfig(), fps=25.0, reid=reid)
        w0, c0 = time.perf_counter(), time.process_time()
        for fr in frames:
            tr.update(frame=fr.frame, t=fr.t, detections=fr.detections, homography=fr.H, usable=True,
                      image=fr.image if a.images else None)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        best_wall, best_cpu = max(best_wall, len(frames) / w), max(best_cpu, len(frames) / c)
    people = sum(int((f.detections.data["class_name"] != "ball").sum()) for f in frames) / len(frames)
    print(f"{len(frames)} frames, {objs:.1f} detections/frame ({people:.1f} people), focal {a.focal:.0f}, "
          f"images={a.images}, reid={a.reid or None}: "
          f"{best_wall:.0f} frames/s wall, {best_cpu:.0f} frames/s CPU time (best of 3); "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
