"""Rendering speed of the synthetic broadcast clip: target under 2 minutes for 30 s at 1280x720 on 2 cores.

Usage: python bench/synth_speed.py [--seconds 30] [--seed 7] [--size 1280x720] [--workers N] [--out DIR]
Prints wall time, CPU time (this process and its rendering workers) and frames per second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pitchlens.synth.render import render_clip


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the rendering workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--motion", default="sim")
    ap.add_argument("--cutaways", action="store_true")
    ap.add_argument("--workers", type=int, default=1, help="Rendering processes (render_clip's workers).")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    out = a.out or Path(tempfile.mkdtemp(prefix="synth_speed_"))
    t0, c0 = time.perf_counter(), _cpu()
    render_clip(out, seconds=a.seconds, seed=a.seed, size=(w, h), motion=a.motion, cutaways=a.cutaways or None,
                workers=a.workers)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    n = int(round(a.seconds * 25))
    print(f"{a.seconds:.0f} s clip at {w}x{h}: wall {wall:.1f} s, cpu {cpu:.1f} s, {n / wall:.1f} frames/s "
          f"-> {out / 'clip.mp4'} ({(out / 'clip.mp4').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
