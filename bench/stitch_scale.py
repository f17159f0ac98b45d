"""Time and memory of the stitcher on a whole match's worth of pieces.

Random pieces (about 100 per 30 s, as the zoomed reference clips give) spread over the match, each with a shirt
histogram and a skin tone; prints the stitch time, the process's peak memory and the links made.

Usage::

    .venv/bin/python bench/stitch_scale.py --minutes 2.5 10 90
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracking.config import OfflineConfig  # noqa: E402
from tracking.offline import Tracklet, stitch  # noqa: E402


def pieces(minutes: float, per_30s: int = 100, seed: int = 0) -> list[Tracklet]:
    """Random pieces over ``minutes`` of match."""
    rng = np.random.default_rng(seed)
    seconds = minutes * 60.0
    out = []
    for k in range(int(round(seconds / 30.0 * per_30s))):
        t0 = float(rng.uniform(0, seconds))
        xy = rng.uniform([-50, -30], [50, 30])
        app = np.sqrt(rng.dirichlet(np.ones(68))).astype(np.float32)
        skin = np.array([80.0, 150.0]) + rng.normal(0, 20, 2)
        out.append(Tracklet(k + 1, t0, t0 + float(rng.exponential(3.0)) + 0.2, xy, xy + rng.normal(0, 2, 2), app,
                            "player", skin, 10))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", nargs="+", type=float, default=[2.5, 10.0, 90.0])
    a = ap.parse_args()
    print("| match minutes | pieces | stitch s | peak memory MB | links |")
    print("|---|---|---|---|---|")
    for m in a.minutes:
        trs = pieces(m)
        t = time.perf_counter()
        mapping = stitch(trs, OfflineConfig())
        dt = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        links = sum(1 for k, v in mapping.items() if k != v)
        print(f"| {m:g} | {len(trs)} | {dt:.2f} | {peak:.0f} | {links} |", flush=True)


if __name__ == "__main__":
    main()
