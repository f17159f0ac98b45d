"""Calibration accuracy, shot types and cost on rendered clips with exact truth; overlay on the real frame.

    python bench/calib_accuracy.py [--clips 3] [--seconds 8] [--out bench/RESULTS_calibration.md]

Two modes per clip: ``nothing`` (the line calibrator finds the camera on its own at the start and after every
cut) and ``seeded`` (at each (re-)initialisation it is handed the truth homography moved 1-2 m, as a keypoint
model would give; everything after that is its own tracking and refinement). Person boxes come from the truth.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cv.calibration import CalibrationConfig, build_calibrator  # noqa: E402
from cv.calibration.overlay import draw_pitch  # noqa: E402
from cv.camera import apply_homography  # noqa: E402
from cv.video import VideoReader  # noqa: E402
from pitchlens.synth.render import render_clip  # noqa: E402
from tests.cv.calib_render import error_m  # noqa: E402

NUDGE = np.array([[1.0, 0.0, 1.5], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])  # 1.5 m / 1 m off


def run_clip(clip: Path, mode: str, refine_every: int) -> dict:
    frames = pq.read_table(clip / "truth" / "frames.parquet").to_pylist()
    objs = pq.read_table(clip / "truth" / "objects.parquet").to_pandas()
    by_frame = {f: g for f, g in objs.groupby("frame")}
    cal = build_calibrator(CalibrationConfig(refine_every=refine_every))
    cal_err, foot_err, shots_ok, main_n, usable_n, cost = [], [], 0, 0, 0, 0.0
    for i, t, img in VideoReader(clip / "clip.mp4"):
        tr = frames[i]
        Ht = None if tr["homography"] is None else np.array(tr["homography"]).reshape(3, 3)
        g = by_frame.get(i)
        boxes = None
        if g is not None:
            v = g[g.visible & (g.role != "ball")]
            boxes = v[["x1", "y1", "x2", "y2"]].to_numpy(float)
        hint = Ht @ NUDGE if (mode == "seeded" and Ht is not None) else None
        t0 = time.perf_counter()
        res = cal.update(img, frame=i, t=t, boxes=boxes, hint_H=hint)
        cost += time.perf_counter() - t0
        shots_ok += res.shot == tr["shot"]
        if tr["shot"] != "main":
            continue
        main_n += 1
        if not (res.usable and res.H is not None):
            continue
        usable_n += 1
        h, w = img.shape[:2]
        cal_err.append(error_m(Ht, res.H, w, h, step=2.0))
        if g is not None:
            p = g[(g.role != "ball") & g.visible][["x", "y"]].to_numpy(float)
            if len(p):
                uv = apply_homography(Ht, p)
                back = apply_homography(np.linalg.inv(res.H), uv)
                foot_err.append(np.linalg.norm(back - p, axis=1))
    n = len(frames)
    ce = np.concatenate(cal_err) if cal_err else np.array([np.nan])
    fe = np.concatenate(foot_err) if foot_err else np.array([np.nan])
    return dict(frames=n, main=main_n, usable=usable_n, shots_ok=shots_ok, cal_med=float(np.median(ce)),
                cal_p95=float(np.percentile(ce, 95)), foot_med=float(np.median(fe)), ms=1000 * cost / max(n, 1))


def real_overlay(out_png: Path) -> str:
    src = ROOT.parent / "shared" / "data" / "frames" / "broadcast_sample.png"
    if not src.exists():
        return "real frame not present"
    img = cv2.imread(str(src))
    cal = build_calibrator(CalibrationConfig())
    t0 = time.perf_counter()
    res = cal.update(img, frame=0, t=0.0)
    dt = time.perf_counter() - t0
    lab = f"{res.shot} usable={res.usable} residual={res.residual:.2f}px"
    cv2.imwrite(str(out_png), draw_pitch(img, res.H, label=lab))
    return (f"shot={res.shot} H={'found' if res.H is not None else 'none'} usable={res.usable} "
            f"residual={res.residual:.2f}px inliers={res.inliers} ({dt:.2f} s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--refine-every", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_calibration.md")
    a = ap.parse_args()
    cv2.setNumThreads(1)
    lines = ["# Calibration bench", "", f"Clips: {a.clips} x {a.seconds:g} s, 1280x720, seeds 100.., cut-aways on; "
             f"one OpenCV thread; refine_every={a.refine_every}.", "",
             "| clip | mode | frames | main | usable share | shot acc | calib err med / p95 (m) | foot err med (m) "
             "| ms/frame |",
             "|---|---|---|---|---|---|---|---|---|"]
    tot: dict[str, list[dict]] = {"nothing": [], "seeded": []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.clips):
            clip = render_clip(Path(tmp) / f"c{k}", seconds=a.seconds, seed=100 + k, size=(1280, 720), cutaways=True)
            for mode in ("nothing", "seeded"):
                r = run_clip(clip, mode, a.refine_every)
                tot[mode].append(r)
                share = r["usable"] / max(r["main"], 1)
                lines.append(f"| {100 + k} | {mode} | {r['frames']} | {r['main']} | {share:.1%} "
                             f"| {r['shots_ok'] / r['frames']:.1%} | {r['cal_med']:.3f} / {r['cal_p95']:.3f} "
                             f"| {r['foot_med']:.3f} | {r['ms']:.1f} |")
                print(lines[-1], flush=True)
    for mode, rs in tot.items():
        f = sum(r["frames"] for r in rs)
        m = sum(r["main"] for r in rs)
        lines.append(f"| all | {mode} | {f} | {m} | {sum(r['usable'] for r in rs) / max(m, 1):.1%} "
                     f"| {sum(r['shots_ok'] for r in rs) / f:.1%} | (per clip above) | | "
                     f"{sum(r['ms'] * r['frames'] for r in rs) / f:.1f} |")
    lines += ["", "Real frame `../shared/data/frames/broadcast_sample.png` (lines method, no hint): "
              + real_overlay(ROOT / "bench" / "broadcast_sample_overlay.png"), ""]
    a.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
