"""Calibration of whole clips in a pool of processes (``cv.calibration.parallel``) against one calibrator.

    python bench/calib_parallel.py --clip-dir bench/out/clip-9001-30s [...] --workers 1 2 --window 7.5
    python bench/calib_parallel.py --clip-dir bench/out/clip-9100-60s --video bench/out/clip-9100-60s-x10.mp4 \
        --end 300 --window 60        # a clip looped ten times (frame f has the truth of frame f mod the clip's)

Per clip and setting: wall time and frames per second (decoding included, as ``pitchlens calibrate`` runs it),
usable share of the main-camera frames, usable frames more than 1 m off, the median / 95th percentile error (m)
against the truth homography, and shot accuracy. No person boxes (as ``pitchlens calibrate``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cv.calibration import CalibrationConfig, build_calibrator  # noqa: E402
from cv.calibration.parallel import WindowPool  # noqa: E402
from cv.video import VideoReader  # noqa: E402
from tests.cv.calib_render import error_m  # noqa: E402


def run(video: Path, workers: int, window: float, end: float | None) -> tuple[list, float, int]:
    reader = VideoReader(video, end=end)
    t0 = time.perf_counter()
    retried = 0
    if workers <= 1:
        cal = build_calibrator(CalibrationConfig())
        res = [cal.update(img, frame=i, t=t) for i, t, img in reader]
        for r in cal.revisions():
            res[r.frame] = r
    else:
        info = reader.info
        with WindowPool(video, CalibrationConfig(), duration=info.duration_claimed or 0.0,
                        workers=workers, window_s=window, end=end) as pool:
            res = list(pool.results())
            retried = pool.retried
    return res, time.perf_counter() - t0, retried


def score(clip: Path, video: Path, res: list) -> dict:
    truth = pq.read_table(clip / "truth" / "frames.parquet").to_pylist()
    info = VideoReader(video).info
    w, h, n = info.width, info.height, len(truth)
    main = [r for r in res if truth[r.frame % n]["shot"] == "main" and truth[r.frame % n]["homography"] is not None]
    errs, bad = [], 0
    for r in main:
        if r.usable and r.H is not None:
            e = float(np.median(error_m(np.asarray(truth[r.frame % n]["homography"]).reshape(3, 3), r.H, w, h)))
            errs.append(e)
            bad += e > 1.0
    shots = np.mean([(r.shot == "main") == (truth[r.frame % n]["shot"] == "main") for r in res])
    return {"usable": len(errs) / max(len(main), 1), "bad": bad, "err": np.percentile(errs, [50, 95]) if errs
            else (np.nan, np.nan), "shots": shots}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip-dir", type=Path, nargs="+", required=True)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--window", type=float, default=7.5)
    ap.add_argument("--video", type=Path, default=None, help="the video (default: CLIP/clip.mp4; one clip only)")
    ap.add_argument("--end", type=float, default=None, help="stop at this many seconds")
    a = ap.parse_args()
    print("| clip | workers | window s | frames | wall s | frames/s | windows retried | usable (main) "
          "| usable > 1 m off | err med / p95 (m) | shot acc |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for clip in a.clip_dir:
        video = a.video or clip / "clip.mp4"
        for n in a.workers:
            res, wall, retried = run(video, n, a.window, a.end)
            s = score(clip, video, res)
            print(f"| {video.name} | {n} | {a.window if n > 1 else '-'} | {len(res)} | {wall:.1f} "
                  f"| {len(res) / wall:.1f} | {retried if n > 1 else '-'} | {s['usable']:.1%} | {s['bad']} "
                  f"| {s['err'][0]:.3f} / {s['err'][1]:.3f} | {s['shots']:.1%} |", flush=True)


if __name__ == "__main__":
    main()
